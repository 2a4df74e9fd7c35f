#pragma once

#include <QSet>
#include <QtGlobal>

#include <vector>

namespace duplex::loadgen {

// What one publisher did, as the subscribers' accounting needs it: how many messages it
// sent (counters 0 .. sent-1) and which of them failed with their connection. A failed
// publish may or may not have been sequenced, so it is neither expected nor counted as
// delivered.
struct PublisherTally
{
    qint64 sent = 0;
    QSet<qint64> failed;

    qint64 expected() const { return sent - failed.size(); }
};

// Messages every subscriber should have received from all publishers together.
inline qint64 expectedPerSubscriber(const std::vector<PublisherTally> &tallies)
{
    qint64 expected = 0;
    for (const PublisherTally &t : tallies)
        expected += t.expected();
    return expected;
}

} // namespace duplex::loadgen
