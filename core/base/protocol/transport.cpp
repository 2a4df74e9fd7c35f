#include "protocol/transport.h"

namespace duplex::protocol {

QString transportName(Transport transport)
{
    switch (transport) {
    case Transport::WebSocket:
        return QStringLiteral("ws");
    case Transport::Comet:
        return QStringLiteral("comet");
    }
    return {};
}

QString transportLabel(Transport transport)
{
    switch (transport) {
    case Transport::WebSocket:
        return QStringLiteral("WebSocket");
    case Transport::Comet:
        return QStringLiteral("Comet");
    }
    return {};
}

std::optional<Transport> transportFromName(QStringView name)
{
    for (const Transport transport : kTransports) {
        if (name == transportName(transport))
            return transport;
    }
    return std::nullopt;
}

} // namespace duplex::protocol
