#pragma once

#include "log/channellog.h"
#include "node/cometsessions.h"

#include <QByteArray>
#include <QHash>
#include <QHttpServerResponder>
#include <QList>
#include <QObject>
#include <QPair>

#include <map>
#include <memory>

class QTcpSocket;
class QTimer;

namespace duplex::http {
class ParkedResponder;
}

namespace duplex::protocol {
struct Sequenced;
}

namespace duplex::node {

class ChannelHub;

// The polls a Comet node holds: each waits (parked, its responder guarded against its
// client leaving) until its channel has an event after its `since` or its hold time is
// up, then is answered and its session's cursor moves on. A poll the node's buffer can no
// longer serve is answered from the broker's history.
class CometPolls final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometPolls)

public:
    struct Limits
    {
        int holdMs = 25000;            // a poll with nothing to say is answered [] after this
        int maxEventsPerPoll = 1000;   // one answer carries at most this many events...
        qint64 maxBytesPerPoll = 1024 * 1024; // ...and about this many bytes
    };

    CometPolls(ChannelHub *hub, CometSessions *sessions, Limits limits, QObject *parent = nullptr);
    ~CometPolls() override;

    // A client's first call, answered at once: a new clientId and where the channel stands,
    // and whether join and leave will be in its answers.
    void welcome(QHttpServerResponder &responder, const QString &channel, bool presence);
    // Holds the poll of `session` from `since` (negative: from the session's cursor),
    // answering [] the one still held for it, if any.
    void hold(QHttpServerResponder &&responder, QTcpSocket *socket, CometSessions::Session &session, qint64 since,
              bool presence);
    // Answers poll `id` [] now, `cursor` being where its client stands.
    void answerEmpty(quint64 id, qint64 cursor);

    int parkedCount() const { return int(m_polls.size()); }
    quint64 answeredCount() const { return m_answered; }
    quint64 abandonedCount() const { return m_abandoned; }
    quint64 eventsOut() const { return m_eventsOut; }
    quint64 bytesOut() const { return m_bytesOut; }

private:
    // A poll waiting for events (or for the broker's history) with its guarded responder.
    struct Poll
    {
        std::unique_ptr<http::ParkedResponder> parked;
        QString channel;
        QString clientId;
        qint64 since = 0;
        qint64 deadlineMs = 0;
        bool fetching = false; // waiting for the broker's history, not in m_parkedByChannel
        bool presence = true;  // false: join and leave are passed over (presence=0)
    };

    struct Body
    {
        QByteArray json;
        qint64 cursor = 0; // what the client has seen once it reads this body
        int events = 0;
    };

    void handleEventSequenced(const protocol::Sequenced &sequenced);
    void handlePollGone(quint64 id);

    void servePoll(quint64 id);
    void answerReadyPolls();
    void answerPoll(quint64 id, const Body &body);
    void expirePolls();
    void armHoldTimer();
    void park(quint64 id, Poll &poll);
    void unpark(quint64 id, const Poll &poll);
    // The answer to a poll at `since` from `range`; without presence, join and leave are
    // passed over (the cursor moves past them, the count does not).
    Body bodyFor(const QString &channel, const log::ChannelLog::Range &range, qint64 since, bool presence) const;

    ChannelHub *m_hub;
    CometSessions *m_sessions;
    Limits m_limits;
    QTimer *m_holdTimer;
    const QList<QPair<QByteArray, QByteArray>> m_pollHeaders; // sent with every poll answer
    quint64 m_nextId = 1;
    // Keyed by id, which grows with arrival time: with one hold time for every poll the
    // first entry is always the next to time out.
    std::map<quint64, Poll> m_polls;
    QHash<QString, QHash<quint64, bool>> m_parkedByChannel;
    QHash<QString, bool> m_dirtyChannels;
    bool m_answerScheduled = false;

    quint64 m_answered = 0;
    quint64 m_abandoned = 0;
    quint64 m_eventsOut = 0;
    quint64 m_bytesOut = 0;
};

} // namespace duplex::node
