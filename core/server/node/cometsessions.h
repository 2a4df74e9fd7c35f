#pragma once

#include "protocol/event.h"

#include <QHash>
#include <QString>

namespace duplex::node {

class ChannelHub;

// What a Comet node remembers of its clients between polls, one session per channel and
// clientId: the first poll opens it (the client joins), and it ends when the client
// leaves or stops polling for longer than the idle limit (the client leaves all the same).
class CometSessions final
{
    Q_DISABLE_COPY_MOVE(CometSessions)

public:
    struct Session
    {
        QString channel;
        QString clientId;
        qint64 cursor = 0;   // highest seq (or gap end) answered to this client
        qint64 lastSeenMs = 0;
        quint64 pollId = 0;  // the poll in flight, 0 when none
    };

    CometSessions(ChannelHub *hub, qint64 idleLimitMs);

    // nullptr when there is none.
    Session *find(const QString &channel, const QString &clientId);
    // A new session, announced to the channel with its join.
    Session &open(const QString &channel, const QString &clientId, qint64 nowMs);
    // Ends a session at its client's request; its leave is the caller's to publish, as the
    // client's answer waits for the leave's seq.
    protocol::Event leave(const Session &session);
    // Ends the sessions quiet past the idle limit with no poll in flight, publishing a leave
    // for each.
    void expire(qint64 nowMs);

    int size() const { return int(m_sessions.size()); }
    // Sessions open in `channel`.
    int members(const QString &channel) const { return m_members.value(channel); }
    quint64 expiredCount() const { return m_expired; }
    quint64 leftCount() const { return m_left; }

private:
    void forget(const QString &channel);

    ChannelHub *m_hub;
    const qint64 m_idleLimitMs;
    QHash<QString, Session> m_sessions; // by channel + '/' + clientId
    QHash<QString, int> m_members;      // sessions by channel, none at 0
    quint64 m_expired = 0;
    quint64 m_left = 0;
};

} // namespace duplex::node
