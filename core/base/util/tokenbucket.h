#pragma once

#include <QtGlobal>

#include <algorithm>

namespace duplex::util {

// Allows `rate` actions per second on average with bursts of `burst`; used to refuse
// floods from one client without hurting the others. The caller passes the time, on the
// monotonic clock (util::monotonicMs) in the nodes, any clock in tests.
class TokenBucket final
{
public:
    TokenBucket(double rate, double burst)
        : m_rate(rate)
        , m_burst(burst)
        , m_tokens(burst)
    {
    }

    // Takes one token at time `nowMs`; false when the client is over its rate. A time
    // before the last one refills nothing.
    bool take(qint64 nowMs)
    {
        if (m_rate <= 0)
            return true; // no limit configured
        if (m_started && nowMs > m_lastMs)
            m_tokens = std::min(m_burst, m_tokens + double(nowMs - m_lastMs) * m_rate / 1000.0);
        if (!m_started || nowMs > m_lastMs)
            m_lastMs = nowMs;
        m_started = true;
        if (m_tokens < 1.0)
            return false;
        m_tokens -= 1.0;
        return true;
    }

private:
    double m_rate;
    double m_burst;
    double m_tokens;
    qint64 m_lastMs = 0;
    bool m_started = false;
};

} // namespace duplex::util
