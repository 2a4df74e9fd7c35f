#pragma once

#include "util/tokenbucket.h"

#include <QHash>
#include <QString>

namespace duplex::util {

// A TokenBucket per key (a client id, a source address) in bounded memory: a key idle
// for longer than a full refill is forgotten, since a fresh bucket would be the same, and
// past `maxKeys` new keys share one overflow bucket, so a stream of made-up keys cannot
// grow the map nor get a fresh burst each.
class KeyedBuckets final
{
public:
    KeyedBuckets(double rate, double burst, int maxKeys);

    // Takes one token from `key`'s bucket at `nowMs`; false when that key is over its rate.
    bool take(const QString &key, qint64 nowMs);
    // Forgets the keys idle long enough to be full again.
    void expire(qint64 nowMs);

    int size() const { return int(m_buckets.size()); }
    quint64 overflowed() const { return m_overflowed; } // takes that fell to the shared bucket

private:
    struct Entry
    {
        TokenBucket bucket;
        qint64 lastUseMs;
    };
    double m_rate;
    double m_burst;
    int m_maxKeys;
    qint64 m_refillMs; // time to refill an empty bucket: idle this long, a key is forgotten
    QHash<QString, Entry> m_buckets;
    Entry m_overflow;
    quint64 m_overflowed = 0;
};

} // namespace duplex::util
