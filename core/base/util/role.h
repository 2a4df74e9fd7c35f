#pragma once

#include <QString>

namespace duplex::util {

// The kinds of process a cluster is made of: the server binaries (whose command lines
// app::parseServerOptions reads) and the nginx in front of them.
enum class Role { Broker, WebSocket, Comet, Static, Nginx };

// The short name used in node names (ws-1), logs and READY lines: broker, ws, comet,
// static, nginx.
QString roleName(Role role);

} // namespace duplex::util
