#include "charts/transportcolour.h"

#include "protocol/transport.h"

namespace duplex::gui {

QColor transportColour(QStringView transportName)
{
    const std::optional<protocol::Transport> transport = protocol::transportFromName(transportName);
    if (!transport)
        return QColor(0x2c, 0xa0, 0x2c);
    switch (*transport) {
    case protocol::Transport::WebSocket:
        return QColor(0x1f, 0x77, 0xb4);
    case protocol::Transport::Comet:
        return QColor(0xff, 0x7f, 0x0e);
    }
    return {};
}

} // namespace duplex::gui
