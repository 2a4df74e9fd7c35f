#pragma once

#include <QtGlobal>

#include <algorithm>

namespace duplex::util {

// Allows `rate` actions per second on average with bursts of `burst`; used to refuse
// floods from one client without hurting the others.
class TokenBucket final
{
public:
    TokenBucket(double rate, double burst)
        : m_rate(rate)
        , m_burst(burst)
        , m_tokens(burst)
    {
    }

    // Takes one token at time `nowMs`; false when the client is over its rate.
    bool take(qint64 nowMs)
    {
        if (m_rate <= 0)
            return true; // no limit configured
        if (m_lastMs != 0)
            m_tokens = std::min(m_burst, m_tokens + double(nowMs - m_lastMs) * m_rate / 1000.0);
        m_lastMs = nowMs;
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
};

} // namespace duplex::util
