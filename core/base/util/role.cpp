#include "util/role.h"

namespace duplex::util {

QString roleName(Role role)
{
    switch (role) {
    case Role::Broker:
        return QStringLiteral("broker");
    case Role::WebSocket:
        return QStringLiteral("ws");
    case Role::Comet:
        return QStringLiteral("comet");
    case Role::Static:
        return QStringLiteral("static");
    case Role::Nginx:
        return QStringLiteral("nginx");
    }
    return {};
}

} // namespace duplex::util
