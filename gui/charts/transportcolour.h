#pragma once

#include <QColor>
#include <QStringView>

namespace duplex::gui {

// One colour per transport everywhere in Duplex's charts, so the live figure and the
// report read alike: WebSocket blue, Comet orange, anything else (a peer) green.
QColor transportColour(QStringView transportName);

} // namespace duplex::gui
