#pragma once

#include <QElapsedTimer>
#include <QString>

#include <vector>

namespace duplex::bench {

// What the publisher sends, shared read-only with every subscriber: publisher and
// receivers live in one process and read one clock, so latency needs no clock sync.
struct Publication
{
    QString publisherId;             // the publisher's clientId (`from` of its messages)
    int payloadSize = 0;             // characters of `data`; each bench documents its encoding
    qint64 messageCount = 0;
    QElapsedTimer clock;
    std::vector<qint64> sendTimesNs; // by counter, on `clock`; -1 until sent
};

} // namespace duplex::bench
