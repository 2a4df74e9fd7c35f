#pragma once

#include <QtGlobal>

#include <map>

namespace duplex::load {

// The counters one subscriber received from one publisher (0, 1, 2, ...): tells new
// messages from duplicates and late ones, and at the end how many never arrived.
// Memory grows with the number of holes (runs of missing counters), not with counters.
class SequenceTracker final
{
public:
    enum class Outcome {
        New,        // above every counter seen so far
        Duplicate,  // seen before
        OutOfOrder, // below the highest seen and missing until now: fills a hole
        Invalid,    // negative: not a counter at all
    };

    // Classifies one received counter and remembers it.
    Outcome record(qint64 counter);

    // Counters below `expectedCount` that never arrived: the holes still open plus
    // everything from highest()+1 on. Holes at or above `expectedCount` do not count.
    qint64 lost(qint64 expectedCount) const;

    qint64 highest() const { return m_highest; } // -1 before the first counter
    qint64 received() const { return m_received; } // distinct counters (New + OutOfOrder)
    qint64 duplicates() const { return m_duplicates; }
    qint64 outOfOrder() const { return m_outOfOrder; }
    qint64 invalid() const { return m_invalid; }
    // Missing counters below highest(), and the runs they form (what memory grows with).
    qint64 holes() const { return m_holeCount; }
    int holeRuns() const { return int(m_holes.size()); }
    // Whether `counter` has been received (it is at or below the highest and in no hole).
    bool contains(qint64 counter) const;

    void clear();

private:
    // Runs of missing counters: first -> last, disjoint, all below m_highest.
    std::map<qint64, qint64> m_holes;
    qint64 m_holeCount = 0;
    qint64 m_highest = -1;
    qint64 m_received = 0;
    qint64 m_duplicates = 0;
    qint64 m_outOfOrder = 0;
    qint64 m_invalid = 0;
};

} // namespace duplex::load
