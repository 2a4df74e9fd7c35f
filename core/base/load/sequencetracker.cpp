#include "load/sequencetracker.h"

#include <algorithm>

namespace duplex::load {

bool SequenceTracker::contains(qint64 counter) const
{
    if (counter < 0 || counter > m_highest)
        return false;
    auto it = m_holes.upper_bound(counter);
    return it == m_holes.begin() || (--it)->second < counter;
}

SequenceTracker::Outcome SequenceTracker::record(qint64 counter)
{
    if (counter < 0) {
        ++m_invalid;
        return Outcome::Invalid;
    }
    if (counter > m_highest) {
        if (counter > m_highest + 1) {
            m_holes.emplace(m_highest + 1, counter - 1);
            m_holeCount += counter - 1 - m_highest;
        }
        m_highest = counter;
        ++m_received;
        return Outcome::New;
    }
    // The run that would hold `counter` is the last one starting at or before it.
    auto it = m_holes.upper_bound(counter);
    if (it == m_holes.begin() || (--it)->second < counter) {
        ++m_duplicates;
        return Outcome::Duplicate;
    }
    const qint64 first = it->first;
    const qint64 last = it->second;
    m_holes.erase(it);
    if (first < counter)
        m_holes.emplace(first, counter - 1);
    if (counter < last)
        m_holes.emplace(counter + 1, last);
    --m_holeCount;
    ++m_received;
    ++m_outOfOrder;
    return Outcome::OutOfOrder;
}

qint64 SequenceTracker::lost(qint64 expectedCount) const
{
    if (expectedCount > m_highest)
        return m_holeCount + (expectedCount - 1 - m_highest);
    qint64 missing = 0;
    for (const auto &[first, last] : m_holes) {
        if (first >= expectedCount)
            break;
        missing += std::min(last, expectedCount - 1) - first + 1;
    }
    return missing;
}

void SequenceTracker::clear()
{
    *this = SequenceTracker();
}

} // namespace duplex::load
