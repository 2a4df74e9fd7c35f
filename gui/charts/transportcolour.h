#pragma once

#include <QColor>
#include "protocol/transport.h"

namespace duplex::gui {

// One colour per transport everywhere in Duplex's charts, so the live figure and the
// report read alike: WebSocket blue, Comet orange.
QColor transportColour(protocol::Transport transport);

} // namespace duplex::gui
