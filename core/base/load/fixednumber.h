#pragma once

#include <QByteArray>

namespace duplex::load {

// `value` rounded to `decimals` places, never "-0.000": the one way every report format
// (JSON lines, table, CSV) prints a number, so the same figure reads the same in each.
QByteArray fixedNumber(double value, int decimals);

} // namespace duplex::load
