#pragma once

#include "bench/benchoptions.h"
#include "control/cluster.h"

#include <QStringList>

namespace duplex::ctl {

struct CtlParse
{
    enum class Status { Ok, Help, Error };
    enum class Command { None, Up, Bench };
    Status status = Status::Ok;
    Command command = Command::None;
    control::ClusterConfig config;
    bench::BenchConfig bench;
    QString text; // help text, or the error in one line
};

// Reads duplexctl's command line (including argv[0]): `duplexctl up [options]` or
// `duplexctl bench <thesis|scale> [options]`.
CtlParse parseCtlOptions(const QStringList &arguments);

} // namespace duplex::ctl
