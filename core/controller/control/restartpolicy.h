#pragma once

#include <QtGlobal>

#include <optional>

namespace duplex::control {

// How long the cluster waits before starting again a node that died on its own: 500 ms
// after a first crash, doubled with each crash in a row up to 5 s; a node that had been
// up (READY) for more than 10 s when it died starts the count again. Times are on the
// monotonic clock (util::monotonicMs) in the cluster, any clock in tests.
class RestartPolicy final
{
public:
    // The node came up (reported READY) at `nowMs`.
    void markUp(qint64 nowMs) { m_upSinceMs = nowMs; }
    // The node died at `nowMs`: the delay before it is started again.
    int delayAfterExit(qint64 nowMs);

private:
    std::optional<qint64> m_upSinceMs; // since the node last came up; empty once it died
    int m_crashesInARow = 0;
};

} // namespace duplex::control
