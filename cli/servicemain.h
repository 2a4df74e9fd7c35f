#pragma once

#include "app/service.h"
#include "util/role.h"

#include <functional>

namespace duplex::cli {

// The whole of a server binary's main(): QT_NO_GLIB, option parsing and --help,
// SIGINT/SIGTERM, the READY line, one-line errors on stderr. `create` builds the service
// once options are known. Returns the process exit code (0 stopped by a signal, 1 failed,
// 2 bad usage).
int runService(util::Role role, int argc, char **argv, const std::function<app::Service *(const app::ServerOptions &)> &create,
               const QString &defaultRoot = {});

} // namespace duplex::cli
