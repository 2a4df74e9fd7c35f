#pragma once

#include "metrics/metrics.h"
#include "log/channellog.h"
#include "util/tokenbucket.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <map>
#include <memory>
#include <unordered_map>

class QHttpServerRequest;
class QHttpServerResponder;
class QTcpSocket;
class QTimer;

namespace duplex::http {
class HttpService;
class ParkedResponder;
}

namespace duplex::protocol {
struct Sequenced;
struct SubscribeParse;
}

namespace duplex::node {

class ChannelHub;

// The Comet (long-polling) surface of CONTRACT.md over a ChannelHub:
// `GET /xhr/subscribe` (welcome, then polls held until an event after `since` exists) and
// `POST /xhr/publish` (answered with the event's seq once sequenced). A client is known by
// its clientId between polls (a session); one that stops polling for twice the hold time
// leaves the channel, and `POST /xhr/leave` (an addition to the contract) leaves at once.
class CometNode final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometNode)

public:
    struct Limits
    {
        qint64 maxMessageBytes = 64 * 1024;
        double publishRate = 1000; // publishes per second per client (0 = no limit)
        double publishBurst = 2000;
        int holdMs = 25000;            // a poll with nothing to say is answered [] after this
        int maxEventsPerPoll = 1000;   // one answer carries at most this many events...
        qint64 maxBytesPerPoll = 1024 * 1024; // ...and about this many bytes
    };

    CometNode(ChannelHub *hub, Limits limits, QObject *parent = nullptr);
    ~CometNode() override;

    quint16 listen(const QHostAddress &address, quint16 port, QString *error);
    int sessionCount() const { return int(m_sessions.size()); }
    int parkedCount() const { return int(m_polls.size()); }
    void registerMetrics(metrics::Metrics &metrics);

private:
    // What the node remembers of a client between two polls.
    struct Session
    {
        QString channel;
        QString clientId;
        qint64 cursor = 0;   // highest seq (or gap end) answered to this client
        qint64 lastSeenMs = 0;
        quint64 pollId = 0;  // the poll in flight, 0 when none
    };

    // A poll waiting for events (or for the broker's history) with its guarded responder.
    struct Poll
    {
        std::unique_ptr<http::ParkedResponder> parked;
        QString sessionKey;
        QString channel;
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

    void handleRequest(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleSubscribe(const QHttpServerRequest &request, QTcpSocket *socket);
    void handlePublish(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleLeave(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleEventSequenced(const protocol::Sequenced &sequenced);
    void handlePollGone(quint64 id);
    void handlePublishGone(quint64 id);

    void servePoll(quint64 id);
    void answerReadyPolls();
    void answerPoll(quint64 id, const Body &body);
    void expirePolls();
    void expireSessions();
    void armHoldTimer();
    void park(quint64 id, Poll &poll);
    void unpark(quint64 id, const Poll &poll);
    // The answer to a poll at `since` from `range`; without presence, join and leave are
    // passed over (the cursor moves past them, the count does not).
    Body bodyFor(const QString &channel, const log::ChannelLog::Range &range, qint64 since, bool presence) const;
    Session &openSession(const QString &channel, const QString &clientId, qint64 nowMs);
    bool takePublishToken(const QString &clientId, qint64 nowMs);
    // The request's channel/clientId/since query; when it is malformed, the request has
    // already been answered 400 (and counted) by the time this returns.
    protocol::SubscribeParse parseQueryOrRefuse(const QHttpServerRequest &request, QHttpServerResponder &responder);
    // Sends `event` to the broker and answers the request {"seq":N} once it is sequenced
    // (with "clientId" when one was generated for it); a client gone by then is forgotten.
    void publishAndAnswer(const protocol::Event &event, QHttpServerResponder responder, QTcpSocket *socket,
                          const QString &generatedId);

    ChannelHub *m_hub;
    Limits m_limits;
    http::HttpService *m_http = nullptr;
    QTimer *m_holdTimer;
    QTimer *m_sessionTimer;
    const QList<QPair<QByteArray, QByteArray>> m_pollHeaders; // sent with every poll answer
    quint64 m_nextId = 1;
    // Keyed by id, which grows with arrival time: with one hold time for every poll the
    // first entry is always the next to time out.
    std::map<quint64, Poll> m_polls;
    QHash<QString, QHash<quint64, bool>> m_parkedByChannel;
    QHash<QString, Session> m_sessions; // by channel + '/' + clientId
    std::unordered_map<quint64, std::unique_ptr<http::ParkedResponder>> m_publishes;
    struct Bucket
    {
        util::TokenBucket bucket;
        qint64 lastUseMs;
    };
    QHash<QString, Bucket> m_buckets; // publish rate per clientId ("" = anonymous)
    QHash<QString, bool> m_dirtyChannels;
    bool m_answerScheduled = false;

    quint64 m_requests = 0;
    quint64 m_pollsAnswered = 0;
    quint64 m_pollsAbandoned = 0;
    quint64 m_publishCount = 0;
    quint64 m_eventsOut = 0;
    quint64 m_bytesOut = 0;
    quint64 m_badRequests = 0;
    quint64 m_rateLimited = 0;
    quint64 m_sessionsExpired = 0;
    quint64 m_sessionsLeft = 0;
};

} // namespace duplex::node
