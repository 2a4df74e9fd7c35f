#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <deque>

namespace duplex::log {

// The seq each publish with an `id` got, by channel, client and id, for a window of time:
// a retry (after a lost answer, a reconnect, nginx's 503) gets the seq the first got and
// is not sequenced again (the contract's deduplication). Bounded in time and in bytes;
// past the bytes the oldest are forgotten before their window ends, and counted.
class PublishDedupe final
{
public:
    // The contract's window: the same id from the same client within 5 minutes.
    static constexpr qint64 kWindowMs = 5 * 60 * 1000;
    // What an entry costs besides its key: its place in the map and in the order.
    static constexpr qint64 kEntryOverhead = 96;

    PublishDedupe(qint64 windowMs, qint64 maxBytes);

    // The key of a publish: its channel, its client and its id's JSON. Channel names and
    // client ids are [A-Za-z0-9_.-], so a newline cannot occur in either.
    static QByteArray keyOf(const QString &channel, const QString &clientId, const QByteArray &idJson);

    // The seq the publish `key` got within the window before `nowMs`, 0 when none.
    qint64 find(const QByteArray &key, qint64 nowMs);
    // Remembers that `key` got `seq` at `nowMs` (a key already held keeps its first seq).
    void remember(const QByteArray &key, qint64 seq, qint64 nowMs);

    int size() const { return int(m_seqs.size()); }
    qint64 bytes() const { return m_bytes; }
    // Entries forgotten for room before their window ended: a retry of one is sequenced again.
    quint64 forgottenEarly() const { return m_forgottenEarly; }

private:
    struct Entry
    {
        QByteArray key;
        qint64 atMs = 0;
    };

    void expire(qint64 nowMs);
    void dropOldest();

    qint64 m_windowMs;
    qint64 m_maxBytes;
    qint64 m_bytes = 0;
    quint64 m_forgottenEarly = 0;
    std::deque<Entry> m_order; // oldest first
    QHash<QByteArray, qint64> m_seqs;
};

} // namespace duplex::log
