#pragma once

#include "protocol/event.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <vector>

namespace duplex::log {

// The bounded, ordered history of one channel: the broker's authoritative history and
// each node's local buffer are both a ChannelLog. Bounded in events and in bytes (of the
// events' JSON): past either, the oldest go first, and a reader asking for them gets a
// gap. The newest event is always held, whatever its size.
class ChannelLog final
{
public:
    // What a reader asking for "everything after seq N" gets back.
    struct Range
    {
        qint64 gapFrom = 0; // first missing seq, 0 when nothing is missing
        qint64 gapTo = 0;   // last missing seq
        std::vector<protocol::Sequenced> events;
        bool more = false;  // true when `limit` cut the answer short
        bool hasGap() const { return gapFrom != 0; }
    };

    explicit ChannelLog(int capacity, qint64 maxBytes = std::numeric_limits<qint64>::max());

    int capacity() const { return m_capacity; }
    qint64 maxBytes() const { return m_maxBytes; }
    // The JSON bytes of the events held.
    qint64 bytes() const { return m_bytes; }
    // Latest seq assigned in this channel (0 before the first event).
    qint64 head() const { return m_head; }
    // Seq of the oldest event held; head() + 1 when nothing is held.
    qint64 firstHeld() const { return m_head - qint64(m_events.size()) + 1; }
    int size() const { return int(m_events.size()); }

    // Forgets every held event and continues the sequence after `head`
    // (a node joining a cluster whose channel already has history).
    void resetHead(qint64 head);

    // Assigns the next seq to `event` and stores it; used by the sequencer.
    const protocol::Sequenced &sequence(protocol::Event event);

    // Stores an event sequenced elsewhere. It must be exactly head() + 1; anything
    // else is refused (false) so a reader never sees a silent hole.
    bool append(const protocol::Sequenced &sequenced);

    // Holds every event with seq > `since`? True also when there is none. Seqs start at
    // 1, so a negative `since` asks what 0 asks (as in since()); no overflow at the top.
    bool covers(qint64 since) const { return std::max<qint64>(since, 0) >= firstHeld() - 1; }

    // Every held event with seq > `since`, oldest first, at most `limit` of them,
    // preceded by the gap of events that are no longer held. A negative `since` is 0:
    // a gap never starts below seq 1 (gapFrom 0 means no gap).
    Range since(qint64 since, int limit = std::numeric_limits<int>::max()) const;

    // Forgets the oldest held event, if any, whatever the bounds (a bound over many
    // channels, HistoryStore's, decides); the head stays.
    void dropOldest();

private:
    void trim();

    int m_capacity;
    qint64 m_maxBytes;
    qint64 m_bytes = 0;
    qint64 m_head = 0;
    std::deque<protocol::Sequenced> m_events;
};

} // namespace duplex::log
