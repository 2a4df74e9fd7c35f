#pragma once

#include "metrics/metrics.h"
#include "node/cometsessions.h"
#include "protocol/codec.h"
#include "util/keyedbuckets.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

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
struct SubscribeParse;
}

namespace duplex::node {

class ChannelHub;
class CometPolls;

// The Comet (long-polling) surface of CONTRACT.md over a ChannelHub:
// `GET /xhr/subscribe` (welcome, then polls held until an event after `since` exists) and
// `POST /xhr/publish` (answered with the event's seq once sequenced). A client is known by
// its clientId between polls (a session); one that stops polling for twice the hold time
// leaves the channel, and `POST /xhr/leave` (an addition to the contract) leaves at once.
// This class routes the requests and answers publishes; the sessions are CometSessions',
// the held polls CometPolls'.
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
        int maxSessions = 10000;       // clients known at once; a new one past it gets 503
        int presenceLimit = 1000;      // more sessions in a channel: join and leave are not sent
        double newSessionRate = 20;    // new clients per second per source address, bursts of twice that
    };

    CometNode(ChannelHub *hub, Limits limits, QObject *parent = nullptr);
    ~CometNode() override;

    quint16 listen(const QHostAddress &address, quint16 port, QString *error);
    int sessionCount() const { return m_sessions.size(); }
    int parkedCount() const;
    void registerMetrics(metrics::Metrics &metrics);

private:
    void handleRequest(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleSubscribe(const QHttpServerRequest &request, QTcpSocket *socket);
    // A subscribe whose channel this node knows: the welcome, or the poll held.
    void subscribe(QHttpServerResponder &responder, QTcpSocket *socket, const protocol::SubscribeQuery &query,
                   const QHostAddress &address);
    void handlePublish(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleLeave(const QHttpServerRequest &request, QTcpSocket *socket);
    void handlePublishGone(quint64 id);

    void expireSessions();
    // Whether a client of `channel` that asked for presence gets join and leave.
    bool presenceSent(const QString &channel, int newMembers) const;
    // The request's channel/clientId/since query; when it is malformed, the request has
    // already been answered 400 (and counted) by the time this returns.
    protocol::SubscribeParse parseQueryOrRefuse(const QHttpServerRequest &request, QHttpServerResponder &responder);
    // Sends `event` to the broker (with the client's `publishId`, if any) and answers the
    // request {"seq":N} once it is sequenced (with "clientId" when one was generated for
    // it); a client gone by then is forgotten.
    void publishAndAnswer(const protocol::Event &event, QHttpServerResponder responder, QTcpSocket *socket,
                          const QString &generatedId, const QJsonValue &publishId = QJsonValue::Undefined);

    ChannelHub *m_hub;
    Limits m_limits;
    http::HttpService *m_http = nullptr;
    QTimer *m_sessionTimer;
    CometSessions m_sessions;
    // After m_sessions, so destroyed before it: polls update their sessions.
    std::unique_ptr<CometPolls> m_polls;
    quint64 m_nextPublishId = 1;
    std::unordered_map<quint64, std::unique_ptr<http::ParkedResponder>> m_publishes;
    util::KeyedBuckets m_publishBuckets;    // publish rate per clientId ("" = anonymous)
    util::KeyedBuckets m_newSessionBuckets; // new clients per source address

    quint64 m_requests = 0;
    quint64 m_publishCount = 0;
    quint64 m_badRequests = 0;
    quint64 m_rateLimited = 0;
    quint64 m_refusedFull = 0; // new clients refused: the node knew maxSessions
};

} // namespace duplex::node
