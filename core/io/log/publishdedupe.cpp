#include "log/publishdedupe.h"

namespace duplex::log {

PublishDedupe::PublishDedupe(qint64 windowMs, qint64 maxBytes)
    : m_windowMs(windowMs)
    , m_maxBytes(maxBytes)
{
}

QByteArray PublishDedupe::keyOf(const QString &channel, const QString &clientId, const QByteArray &idJson)
{
    return channel.toUtf8() + '\n' + clientId.toUtf8() + '\n' + idJson;
}

qint64 PublishDedupe::find(const QByteArray &key, qint64 nowMs)
{
    expire(nowMs);
    return m_seqs.value(key);
}

void PublishDedupe::remember(const QByteArray &key, qint64 seq, qint64 nowMs)
{
    expire(nowMs);
    if (m_seqs.contains(key))
        return;
    m_seqs.insert(key, seq);
    m_order.push_back({key, nowMs});
    m_bytes += key.size() + kEntryOverhead;
    while (m_bytes > m_maxBytes && m_order.size() > 1) {
        ++m_forgottenEarly;
        dropOldest();
    }
}

void PublishDedupe::expire(qint64 nowMs)
{
    while (!m_order.empty() && nowMs - m_order.front().atMs >= m_windowMs)
        dropOldest();
}

void PublishDedupe::dropOldest()
{
    const Entry &oldest = m_order.front();
    m_seqs.remove(oldest.key);
    m_bytes -= oldest.key.size() + kEntryOverhead;
    m_order.pop_front();
}

} // namespace duplex::log
