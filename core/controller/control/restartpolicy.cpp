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
    if (nowMs - m_upSinceMs > kStableRunMs)
        m_crashesInARow = 0;
    // 500 << 4 is past the cap already: the shift never grows further.
    const int delay = std::min(kMaxDelayMs, kFirstDelayMs << std::min(m_crashesInARow, 4));
    ++m_crashesInARow;
    return delay;
}

} // namespace duplex::control
