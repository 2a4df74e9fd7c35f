#pragma once

#include <QJsonValue>
#include <QString>

namespace duplex::load {

// Measured figures are doubles, NaN (or infinite) where nothing was measured; this is how
// the tables and the benches' JSON print them.

// With `decimals` decimals (as fixedNumber: never "-0.00"), or "n/a".
QString figure(double value, int decimals);

// The number, or null.
QJsonValue jsonFigure(double value);

// duplex / peer, or NaN when either is unknown or the peer's figure is 0.
double ratio(double duplex, double peer);

} // namespace duplex::load
