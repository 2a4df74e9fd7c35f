#include "log/historystore.h"

namespace duplex::log {

namespace {
constexpr quint64 kNone = 0; // orders start at 1
}

HistoryStore::HistoryStore(int capacity, qint64 channelBytes, qint64 totalBytes)
    : m_capacity(capacity)
    , m_channelBytes(channelBytes)
    , m_totalBytes(std::max<qint64>(1, totalBytes))
{
}

HistoryStore::Held &HistoryStore::held(const QString &channel)
{
    auto it = m_held.find(channel);
    if (it == m_held.end()) {
        it = m_held.insert(channel, Held{ChannelLog(m_capacity, m_channelBytes), {}});
        it->log.resetHead(m_heads.value(channel));
    }
    return *it;
}

protocol::Sequenced HistoryStore::sequence(protocol::Event event)
{
    const QString channel = event.channel;
    Held &h = held(channel);
    const qint64 before = h.log.bytes();
    const quint64 oldest = h.orders.empty() ? kNone : h.orders.front();
    // A copy: trimming the store may drop it from the log (never here, as the newest).
    protocol::Sequenced sequenced = h.log.sequence(std::move(event));
    h.orders.push_back(m_nextOrder++);
    settle(channel, h, before, oldest);
    return sequenced;
}

bool HistoryStore::append(const protocol::Sequenced &sequenced)
{
    const QString &channel = sequenced.event.channel;
    Held &h = held(channel);
    const qint64 before = h.log.bytes();
    const quint64 oldest = h.orders.empty() ? kNone : h.orders.front();
    if (!h.log.append(sequenced)) {
        if (h.orders.empty())
            m_held.remove(channel);
        return false;
    }
    h.orders.push_back(m_nextOrder++);
    settle(channel, h, before, oldest);
    return true;
}

void HistoryStore::resetHead(const QString &channel, qint64 head)
{
    auto it = m_held.find(channel);
    if (it != m_held.end()) {
        m_bytes -= it->log.bytes();
        if (!it->orders.empty())
            m_oldest.erase({it->orders.front(), channel});
        m_held.erase(it);
    }
    m_heads.insert(channel, head);
}

bool HistoryStore::covers(const QString &channel, qint64 since) const
{
    auto it = m_held.constFind(channel);
    if (it != m_held.cend())
        return it->log.covers(since);
    return since >= head(channel); // nothing held: only "nothing after since" is covered
}

ChannelLog::Range HistoryStore::since(const QString &channel, qint64 since, int limit) const
{
    auto it = m_held.constFind(channel);
    if (it != m_held.cend())
        return it->log.since(since, limit);
    // Nothing held: everything after `since` up to the head is a gap.
    ChannelLog::Range range;
    const qint64 channelHead = head(channel);
    since = std::max<qint64>(since, 0);
    if (since < channelHead) {
        range.gapFrom = since + 1;
        range.gapTo = channelHead;
    }
    return range;
}

void HistoryStore::forget(const QString &channel)
{
    resetHead(channel, 0);
    m_heads.remove(channel);
}

void HistoryStore::settle(const QString &channel, Held &h, qint64 bytesBefore, quint64 oldestBefore)
{
    // The log trims its own oldest past its bounds: their orders go with them.
    while (h.orders.size() > size_t(h.log.size()))
        h.orders.pop_front();
    m_bytes += h.log.bytes() - bytesBefore;
    m_heads.insert(channel, h.log.head());
    if (h.orders.front() != oldestBefore) {
        if (oldestBefore != kNone)
            m_oldest.erase({oldestBefore, channel});
        m_oldest.insert({h.orders.front(), channel});
    }
    trimTotal();
}

void HistoryStore::trimTotal()
{
    const quint64 newest = m_nextOrder - 1;
    while (m_bytes > m_totalBytes && !m_oldest.empty()) {
        const auto [order, channel] = *m_oldest.begin();
        if (order == newest)
            return;
        m_oldest.erase(m_oldest.begin());
        auto it = m_held.find(channel);
        const qint64 before = it->log.bytes();
        it->log.dropOldest();
        it->orders.pop_front();
        m_bytes -= before - it->log.bytes();
        if (it->orders.empty())
            m_held.erase(it); // its head stays in m_heads
        else
            m_oldest.insert({it->orders.front(), channel});
    }
}

} // namespace duplex::log
