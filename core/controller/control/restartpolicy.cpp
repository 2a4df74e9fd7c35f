#include "control/restartpolicy.h"

#include <algorithm>

namespace duplex::control {

namespace {
constexpr int kFirstDelayMs = 500;
constexpr int kMaxDelayMs = 5000;
constexpr qint64 kStableRunMs = 10000;
} // namespace

int RestartPolicy::delayAfterExit(qint64 nowMs)
{
    // Only a run that reached READY since the last death counts: a node that dies while
    // starting has not stayed up, however long ago it last came up.
    if (m_upSinceMs && nowMs - *m_upSinceMs > kStableRunMs)
        m_crashesInARow = 0;
    m_upSinceMs.reset();
    // 500 << 4 is past the cap already: the shift never grows further.
    const int delay = std::min(kMaxDelayMs, kFirstDelayMs << std::min(m_crashesInARow, 4));
    ++m_crashesInARow;
    return delay;
}

} // namespace duplex::control
