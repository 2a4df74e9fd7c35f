#include "node/cometsessions.h"

#include "node/channelhub.h"
#include "protocol/transport.h"

namespace duplex::node {

namespace {

QString sessionKey(const QString &channel, const QString &clientId)
{
    return channel + QLatin1Char('/') + clientId;
}

} // namespace

CometSessions::CometSessions(ChannelHub *hub, qint64 idleLimitMs)
    : m_hub(hub)
    , m_idleLimitMs(idleLimitMs)
{
}

CometSessions::Session *CometSessions::find(const QString &channel, const QString &clientId)
{
    auto it = m_sessions.find(sessionKey(channel, clientId));
    return it == m_sessions.end() ? nullptr : &*it;
}

CometSessions::Session &CometSessions::open(const QString &channel, const QString &clientId, qint64 nowMs)
{
    Session session;
    session.channel = channel;
    session.clientId = clientId;
    session.lastSeenMs = nowMs;
    auto it = m_sessions.insert(sessionKey(channel, clientId), session);
    ++m_members[channel];
    m_hub->publish(protocol::Event::join(channel, clientId, protocol::transportName(protocol::Transport::Comet)));
    return *it;
}

protocol::Event CometSessions::leave(const Session &session)
{
    const protocol::Event leave = protocol::Event::leave(session.channel, session.clientId);
    m_sessions.remove(sessionKey(leave.channel, leave.clientId));
    forget(leave.channel);
    ++m_left;
    return leave;
}

void CometSessions::expire(qint64 nowMs)
{
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it->pollId != 0 || nowMs - it->lastSeenMs <= m_idleLimitMs) {
            ++it;
            continue;
        }
        m_hub->publish(protocol::Event::leave(it->channel, it->clientId));
        ++m_expired;
        forget(it->channel);
        it = m_sessions.erase(it);
    }
}

void CometSessions::forget(const QString &channel)
{
    auto it = m_members.find(channel);
    if (it != m_members.end() && --*it <= 0)
        m_members.erase(it);
}

} // namespace duplex::node
