#include "log/channellog.h"

#include <algorithm>

namespace duplex::log {

ChannelLog::ChannelLog(int capacity, qint64 maxBytes)
    : m_capacity(std::max(1, capacity))
    , m_maxBytes(std::max<qint64>(1, maxBytes))
{
}

void ChannelLog::resetHead(qint64 head)
{
    m_events.clear();
    m_bytes = 0;
    m_head = head;
}

const protocol::Sequenced &ChannelLog::sequence(protocol::Event event)
{
    event.seq = m_head + 1;
    m_events.push_back(protocol::Sequenced::from(std::move(event)));
    m_bytes += m_events.back().json.size();
    ++m_head;
    trim();
    return m_events.back();
}

bool ChannelLog::append(const protocol::Sequenced &sequenced)
{
    if (sequenced.event.seq != m_head + 1)
        return false;
    m_events.push_back(sequenced);
    m_bytes += sequenced.json.size();
    ++m_head;
    trim();
    return true;
}

ChannelLog::Range ChannelLog::since(qint64 since, int limit) const
{
    Range range;
    // Without this, since -1 would report the missing events as a gap from 0 to
    // firstHeld() - 1, and a gap from 0 reads as none (found by fuzz_channellog).
    since = std::max<qint64>(since, 0);
    if (since >= m_head)
        return range;
    const qint64 first = firstHeld();
    qint64 start = since + 1;
    if (start < first) {
        range.gapFrom = start;
        range.gapTo = first - 1;
        start = first;
    }
    const qint64 available = m_head - start + 1;
    const qint64 count = std::min<qint64>(available, std::max(0, limit));
    range.more = count < available;
    auto it = m_events.begin() + (start - first);
    range.events.assign(it, it + count);
    return range;
}

void ChannelLog::dropOldest()
{
    if (m_events.empty())
        return;
    m_bytes -= m_events.front().json.size();
    m_events.pop_front();
}

void ChannelLog::trim()
{
    while (int(m_events.size()) > m_capacity || (m_bytes > m_maxBytes && m_events.size() > 1)) {
        m_bytes -= m_events.front().json.size();
        m_events.pop_front();
    }
}

} // namespace duplex::log
