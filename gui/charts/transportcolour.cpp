#include "charts/transportcolour.h"

namespace duplex::gui {

QColor transportColour(protocol::Transport transport)
{
    switch (transport) {
    case protocol::Transport::WebSocket:
        return QColor(0x1f, 0x77, 0xb4);
    case protocol::Transport::Comet:
        return QColor(0xff, 0x7f, 0x0e);
    }
    return {};
}

} // namespace duplex::gui
