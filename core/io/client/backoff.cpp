#include "client/backoff.h"

#include <QRandomGenerator>
#include <QtGlobal>

#include <algorithm>

namespace duplex::client {

int backoffDelayMs(int attempt, int minMs, int maxMs)
{
    // Clamped, so options of 0 or a maximum below the minimum cannot spin or underflow.
    minMs = std::max(1, minMs);
    maxMs = std::max(minMs, maxMs);
    const int exponent = std::min(std::max(attempt, 1) - 1, 20);
    const int ceiling = int(std::min<qint64>(maxMs, qint64(minMs) << exponent));
    return std::max(1, ceiling / 2 + int(QRandomGenerator::global()->bounded(ceiling / 2 + 1)));
}

} // namespace duplex::client
