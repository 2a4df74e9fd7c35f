#pragma once

#include <QtGlobal>

namespace duplex::util {

// Milliseconds on the monotonic clock (CLOCK_MONOTONIC): what every time span, timeout
// and rate in Duplex is measured with, so none jumps when the wall clock is set. Only
// differences mean anything.
qint64 monotonicMs();

} // namespace duplex::util
