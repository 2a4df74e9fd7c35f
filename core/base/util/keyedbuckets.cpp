#include "util/keyedbuckets.h"

#include <cmath>

namespace duplex::util {

KeyedBuckets::KeyedBuckets(double rate, double burst, int maxKeys)
    : m_rate(rate)
    , m_burst(burst)
    , m_maxKeys(maxKeys)
    , m_refillMs(rate > 0 ? qint64(std::ceil(burst * 1000.0 / rate)) : 0)
    , m_overflow{TokenBucket(rate, burst), 0}
{
}

bool KeyedBuckets::take(const QString &key, qint64 nowMs)
{
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_maxKeys) {
            ++m_overflowed;
            return m_overflow.bucket.take(nowMs);
        }
        it = m_buckets.insert(key, Entry{TokenBucket(m_rate, m_burst), nowMs});
    }
    it->lastUseMs = nowMs;
    return it->bucket.take(nowMs);
}

void KeyedBuckets::expire(qint64 nowMs)
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();)
        it = nowMs - it->lastUseMs >= m_refillMs ? m_buckets.erase(it) : std::next(it);
}

} // namespace duplex::util
