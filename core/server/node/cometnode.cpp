#include "node/cometnode.h"

#include "http/clientaddress.h"
#include "http/httpservice.h"
#include "http/parkedresponder.h"
#include "node/channelhub.h"
#include "node/cometpolls.h"
#include "node/cometreply.h"
#include "protocol/codec.h"
#include "util/ids.h"
#include "util/monotonic.h"

#include <QHttpServerRequest>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

namespace duplex::node {

using Status = QHttpServerResponder::StatusCode;

namespace {

const QString kSubscribePath = QStringLiteral("/xhr/subscribe");
const QString kPublishPath = QStringLiteral("/xhr/publish");
const QString kLeavePath = QStringLiteral("/xhr/leave");
// Source addresses whose new-client rate is tracked at once; past it new addresses share
// one budget (util::KeyedBuckets), so spoofed or many addresses cannot grow the table.
constexpr int kMaxTrackedAddresses = 10000;

} // namespace

CometNode::CometNode(ChannelHub *hub, Limits limits, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_limits(limits)
    , m_sessionTimer(new QTimer(this))
    , m_sessions(hub, 2 * qint64(limits.holdMs))
    , m_polls(std::make_unique<CometPolls>(
          hub, &m_sessions, CometPolls::Limits{limits.holdMs, limits.maxEventsPerPoll, limits.maxBytesPerPoll}))
    // A bucket per known client at most; more clientIds than that share one.
    , m_publishBuckets(limits.publishRate, limits.publishBurst, limits.maxSessions)
    , m_newSessionBuckets(limits.newSessionRate, 2 * limits.newSessionRate, kMaxTrackedAddresses)
{
    connect(m_sessionTimer, &QTimer::timeout, this, &CometNode::expireSessions);
    m_hub->setInUse([this](const QString &channel) { return m_sessions.members(channel) > 0; });
    m_sessionTimer->start(std::clamp(m_limits.holdMs / 4, 250, 5000));
}

CometNode::~CometNode() = default;

int CometNode::parkedCount() const
{
    return m_polls->parkedCount();
}

quint16 CometNode::listen(const QHostAddress &address, quint16 port, QString *error)
{
    m_http = new http::HttpService(
        [this](const QHttpServerRequest &request, QTcpSocket *socket) { handleRequest(request, socket); }, this);
    return m_http->listenOn(address, port, error);
}

void CometNode::registerMetrics(metrics::Metrics &metrics)
{
    using K = metrics::Metrics::Kind;
    metrics.add("duplex_connections", K::Gauge, "Comet clients known to this node (polled within twice the hold time).",
                [this] { return double(m_sessions.size()); });
    metrics.add("duplex_polls_parked", K::Gauge, "Polls held open, waiting for an event.",
                [this] { return double(m_polls->parkedCount()); });
    metrics.add("duplex_http_requests_total", K::Counter, "HTTP requests received.",
                [this] { return double(m_requests); });
    metrics.add("duplex_polls_answered_total", K::Counter, "Polls answered (with events or, after the hold time, []).",
                [this] { return double(m_polls->answeredCount()); });
    metrics.add("duplex_polls_abandoned_total", K::Counter, "Polls whose client went away before the answer.",
                [this] { return double(m_polls->abandonedCount()); });
    metrics.add("duplex_events_in_total", K::Counter, "Publishes received from clients.",
                [this] { return double(m_publishCount); });
    metrics.add("duplex_events_out_total", K::Counter, "Events sent to clients in poll answers.",
                [this] { return double(m_polls->eventsOut()); });
    metrics.add("duplex_bytes_out_total", K::Counter, "Bytes of poll answers sent to clients.",
                [this] { return double(m_polls->bytesOut()); });
    metrics.add("duplex_bad_frames_total", K::Counter, "Requests refused as malformed (bad query, body, path or method).",
                [this] { return double(m_badRequests); });
    metrics.add("duplex_rate_limited_total", K::Counter,
                "Publishes, and new clients from one address, refused by the rate limits.",
                [this] { return double(m_rateLimited); });
    metrics.add("duplex_connections_refused_total", K::Counter,
                "New Comet clients refused: the node knew --max-connections.",
                [this] { return double(m_refusedFull); });
    metrics.add("duplex_sessions_expired_total", K::Counter, "Comet clients that stopped polling and left.",
                [this] { return double(m_sessions.expiredCount()); });
    metrics.add("duplex_sessions_left_total", K::Counter, "Comet clients that left with POST /xhr/leave.",
                [this] { return double(m_sessions.leftCount()); });
    metrics.add("duplex_bus_events_in_total", K::Counter, "Sequenced events received from the broker.",
                [this] { return double(m_hub->eventsReceived()); });
    metrics.add("duplex_history_requests_total", K::Counter, "Polls served from the broker's history.",
                [this] { return double(m_hub->historyRequests()); });
}

void CometNode::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    ++m_requests;
    const QString path = request.url().path();
    const auto method = request.method();
    if (path == kSubscribePath && method == QHttpServerRequest::Method::Get) {
        handleSubscribe(request, socket);
        return;
    }
    if (path == kPublishPath && method == QHttpServerRequest::Method::Post) {
        handlePublish(request, socket);
        return;
    }
    if (path == kLeavePath && method == QHttpServerRequest::Method::Post) {
        handleLeave(request, socket);
        return;
    }
    ++m_badRequests;
    QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
    if (path == kSubscribePath || path == kPublishPath || path == kLeavePath) {
        const QByteArray allowed = path == kSubscribePath ? "GET" : "POST";
        cometReplyError(responder, Status::MethodNotAllowed, QStringLiteral("method_not_allowed"),
                        QStringLiteral("%1 takes %2 only").arg(path, QString::fromLatin1(allowed)), {{"Allow", allowed}});
        return;
    }
    cometReplyError(responder, Status::NotFound, QStringLiteral("not_found"),
                    QStringLiteral("no such path: %1 (Comet paths are %2, %3 and %4)")
                        .arg(path.left(200), kSubscribePath, kPublishPath, kLeavePath));
}

void CometNode::handleSubscribe(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const protocol::SubscribeParse parsed = protocol::parseSubscribeQuery(request.query());
    if (parsed.status != protocol::SubscribeParse::Status::Ok) {
        ++m_badRequests;
        QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
        cometReplyError(responder, Status::BadRequest, parsed.errorCode(), parsed.error);
        return;
    }
    const protocol::SubscribeQuery &query = parsed.query;
    QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
    const QHostAddress address = http::clientAddress(socket->peerAddress(), request.value("X-Real-IP"));
    if (m_hub->knows(query.channel)) {
        subscribe(responder, socket, query, address);
        return;
    }
    // A channel this node does not know: its head comes from the broker first, so the
    // welcome and a new session's cursor say where it stands. The request waits parked
    // (its client may leave meanwhile); nothing else of it is kept.
    auto parked = std::make_shared<http::ParkedResponder>(std::move(responder), socket, this, [] {});
    m_hub->withHead(query.channel, [this, parked, query, address](qint64) {
        if (QHttpServerResponder *waiting = parked->responder())
            subscribe(*waiting, parked->socket(), query, address);
    });
}

void CometNode::subscribe(QHttpServerResponder &responder, QTcpSocket *socket, const protocol::SubscribeQuery &query,
                          const QHostAddress &address)
{
    if (query.clientId.isEmpty()) {
        // First call: the client learns its id and where the channel stands, at once.
        // Its session (and its join) begins with its first poll, on whichever node that
        // poll reaches: under `hash $arg_clientId` that need not be this one.
        m_polls->welcome(responder, query.channel, query.presence && presenceSent(query.channel, 1));
        return;
    }

    const qint64 now = util::monotonicMs();
    CometSessions::Session *session = m_sessions.find(query.channel, query.clientId);
    if (!session) {
        // Each new client costs a session for twice the hold time and a join/leave pair:
        // bounded per node, and per address in time.
        if (m_sessions.size() >= m_limits.maxSessions) {
            ++m_refusedFull;
            cometReplyError(responder, Status::ServiceUnavailable, QStringLiteral("unavailable"),
                            QStringLiteral("this node knows %1 clients, its limit: retry later").arg(m_limits.maxSessions));
            return;
        }
        if (http::isLimitedAddress(address) && !m_newSessionBuckets.take(address.toString(), now)) {
            ++m_rateLimited;
            cometReplyError(responder, Status::TooManyRequests, QStringLiteral("rate_limited"),
                            QStringLiteral("more than %1 new clients per second from %2: poll again with a clientId you have")
                                .arg(m_limits.newSessionRate)
                                .arg(address.toString()));
            return;
        }
        const qint64 head = m_hub->head(query.channel);
        session = &m_sessions.open(query.channel, query.clientId, now);
        session->cursor = head; // a first poll without since starts live
    }
    session->lastSeenMs = now;
    m_polls->hold(std::move(responder), socket, *session, query.since, query.presence && presenceSent(query.channel, 0));
}

bool CometNode::presenceSent(const QString &channel, int newMembers) const
{
    // Past the limit each join would go to every member: n members joining cost n²/2
    // deliveries, so a crowded channel stops announcing who comes and goes.
    return m_sessions.members(channel) + newMembers <= m_limits.presenceLimit;
}

void CometNode::expireSessions()
{
    const qint64 now = util::monotonicMs();
    m_sessions.expire(now);
    m_publishBuckets.expire(now);
    m_newSessionBuckets.expire(now);
}

protocol::SubscribeParse CometNode::parseQueryOrRefuse(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    protocol::SubscribeParse query = protocol::parseSubscribeQuery(request.query());
    if (query.status != protocol::SubscribeParse::Status::Ok) {
        ++m_badRequests;
        cometReplyError(responder, Status::BadRequest, query.errorCode(), query.error);
    }
    return query;
}

void CometNode::handlePublish(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
    const protocol::SubscribeParse query = parseQueryOrRefuse(request, responder);
    if (query.status != protocol::SubscribeParse::Status::Ok)
        return;
    const protocol::PublishParse parsed = protocol::parseCometBody(request.body(), m_limits.maxMessageBytes);
    if (parsed.status == protocol::PublishParse::Status::TooLarge) {
        ++m_badRequests;
        cometReplyError(responder, Status::PayloadTooLarge, QStringLiteral("too_large"), parsed.error);
        return;
    }
    if (parsed.status == protocol::PublishParse::Status::BadJson) {
        ++m_badRequests;
        cometReplyError(responder, Status::BadRequest, QStringLiteral("bad_json"), parsed.error);
        return;
    }
    const QString &clientId = query.query.clientId;
    const qint64 now = util::monotonicMs();
    // Publishes without a clientId share one bucket: an anonymous flood cannot dodge
    // the limit by leaving the id out.
    if (!m_publishBuckets.take(clientId, now)) {
        ++m_rateLimited;
        cometReplyError(responder, Status::TooManyRequests, QStringLiteral("rate_limited"),
                        QStringLiteral("more than %1 publishes per second: this one was dropped").arg(m_limits.publishRate));
        return;
    }
    ++m_publishCount;
    if (CometSessions::Session *session = m_sessions.find(query.query.channel, clientId))
        session->lastSeenMs = now;

    const protocol::Event event = protocol::Event::published(
        query.query.channel, clientId.isEmpty() ? util::newClientId() : clientId, parsed.request.data);
    // Without a clientId the answer names the id the message went out "from".
    publishAndAnswer(event, std::move(responder), socket, clientId.isEmpty() ? event.clientId : QString(),
                     parsed.request.id);
}

void CometNode::handleLeave(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
    const protocol::SubscribeParse query = parseQueryOrRefuse(request, responder);
    if (query.status != protocol::SubscribeParse::Status::Ok)
        return;
    if (query.query.clientId.isEmpty()) {
        ++m_badRequests;
        cometReplyError(responder, Status::BadRequest, QStringLiteral("bad_request"), QStringLiteral("leave needs the clientId"));
        return;
    }
    const CometSessions::Session *session = m_sessions.find(query.query.channel, query.query.clientId);
    if (!session) {
        cometReplyError(responder, Status::NotFound, QStringLiteral("unknown_client"),
                        QStringLiteral("no session for this client in this channel here: it has left, or never polled"));
        return;
    }
    // A poll still held for this client is answered [] rather than left to its hold time.
    if (session->pollId != 0)
        m_polls->answerEmpty(session->pollId, session->cursor);
    const protocol::Event leave = m_sessions.leave(*session);
    publishAndAnswer(leave, std::move(responder), socket, QString());
}

void CometNode::publishAndAnswer(const protocol::Event &event, QHttpServerResponder responder, QTcpSocket *socket,
                                 const QString &generatedId, const QJsonValue &publishId)
{
    const quint64 id = m_nextPublishId++;
    m_publishes.emplace(id, std::make_unique<http::ParkedResponder>(std::move(responder), socket, this,
                                                                    [this, id] { handlePublishGone(id); }));
    m_hub->publish(event, [this, id, generatedId](const ChannelHub::PublishOutcome &outcome) {
        auto it = m_publishes.find(id);
        if (it == m_publishes.end())
            return;
        const std::unique_ptr<http::ParkedResponder> parked = std::move(it->second);
        m_publishes.erase(it);
        QHttpServerResponder *r = parked->responder();
        if (r && !outcome.sequenced()) {
            cometReplyError(*r, Status::ServiceUnavailable, QStringLiteral("unavailable"), outcome.unavailable);
            return;
        }
        if (r) {
            const qint64 seq = outcome.seq;
            // "seq" first, as the contract writes it; ids are [A-Za-z0-9_.-], no escaping.
            QByteArray json = "{\"seq\":" + QByteArray::number(seq);
            if (!generatedId.isEmpty())
                json += ",\"clientId\":\"" + generatedId.toUtf8() + '"';
            json += '}';
            cometReply(*r, Status::Ok, json);
        }
    }, publishId);
}

void CometNode::handlePublishGone(quint64 id)
{
    // The event is still sequenced and delivered; only its answer has nowhere to go.
    m_publishes.erase(id);
}

} // namespace duplex::node
