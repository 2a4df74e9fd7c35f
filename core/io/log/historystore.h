#pragma once

#include "log/channellog.h"

#include <QHash>
#include <QString>

#include <deque>
#include <set>
#include <utility>

namespace duplex::log {

// Every channel's ChannelLog under one more bound: the bytes of all of them together.
// Past it the oldest events of the whole store go first, whichever channel holds them,
// and a reader asking for them gets its gap as for a channel's own bounds. A channel
// holding no event costs its name and head only. The newest event of the store is always
// held, so whatever was just sequenced can be relayed and acked.
class HistoryStore final
{
public:
    // Per channel at most `capacity` events and `channelBytes` of their JSON; at most
    // `totalBytes` over all channels.
    HistoryStore(int capacity, qint64 channelBytes, qint64 totalBytes);

    // Latest seq of `channel`, 0 for a channel never seen.
    qint64 head(const QString &channel) const { return m_heads.value(channel); }
    // Every channel's head, held events or not.
    const QHash<QString, qint64> &heads() const { return m_heads; }

    // Assigns the next seq of its channel to `event` and stores it (the sequencer).
    protocol::Sequenced sequence(protocol::Event event);
    // Stores an event sequenced elsewhere: false, nothing stored, unless it is exactly its
    // channel's head + 1 (see ChannelLog::append).
    bool append(const protocol::Sequenced &sequenced);
    // Forgets `channel`'s events and continues its sequence after `head`.
    void resetHead(const QString &channel, qint64 head);
    // Forgets `channel` altogether, its head too (a node letting go of an idle channel;
    // never the sequencer, whose heads are the cluster's numbering).
    void forget(const QString &channel);
    bool knows(const QString &channel) const { return m_heads.contains(channel); }

    // As ChannelLog's, for `channel` (a channel never seen holds nothing and covers all).
    bool covers(const QString &channel, qint64 since) const;
    ChannelLog::Range since(const QString &channel, qint64 since,
                            int limit = std::numeric_limits<int>::max()) const;

    qint64 bytes() const { return m_bytes; }
    int channelCount() const { return int(m_heads.size()); }
    int heldChannelCount() const { return int(m_held.size()); }
    qint64 totalBytes() const { return m_totalBytes; }

private:
    struct Held
    {
        ChannelLog log;
        std::deque<quint64> orders; // the store-wide order of each held event, oldest first
    };

    Held &held(const QString &channel);
    // After `channel`'s log changed: its bytes, its head, its place among the oldest.
    void settle(const QString &channel, Held &held, qint64 bytesBefore, quint64 oldestBefore);
    void trimTotal();

    int m_capacity;
    qint64 m_channelBytes;
    qint64 m_totalBytes;
    qint64 m_bytes = 0;
    quint64 m_nextOrder = 1;
    QHash<QString, qint64> m_heads;
    QHash<QString, Held> m_held;
    std::set<std::pair<quint64, QString>> m_oldest; // each held channel's oldest event
};

} // namespace duplex::log
