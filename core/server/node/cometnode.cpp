#include "node/cometnode.h"

#include "http/httpservice.h"
#include "http/parkedresponder.h"
#include "node/channelhub.h"
#include "protocol/codec.h"
#include "protocol/transport.h"
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

QString sessionKey(const QString &channel, const QString &clientId)
{
    return channel + QLatin1Char('/') + clientId;
}

// Every Comet answer, errors included, is JSON that no cache may keep.
void respond(QHttpServerResponder &responder, Status status, const QByteArray &json,
             const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {})
{
    QList<QPair<QByteArray, QByteArray>> headers = extraHeaders;
    headers.append(qMakePair(QByteArray("Cache-Control"), QByteArray("no-store")));
    http::reply(responder, status, "application/json", json, headers);
}

void respondError(QHttpServerResponder &responder, Status status, const QString &code, const QString &message,
                  const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {})
{
    respond(responder, status, protocol::Event::error(code, message).toJson(), extraHeaders);
}

} // namespace

CometNode::CometNode(ChannelHub *hub, Limits limits, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_limits(limits)
    , m_holdTimer(new QTimer(this))
    , m_sessionTimer(new QTimer(this))
    // nginx may move a poll to another node when its node dies (proxy_next_upstream),
    // unseen by the client; the header lets it tell which node answered.
    , m_pollHeaders{{QByteArrayLiteral("X-Duplex-Node"), hub->nodeName().toUtf8()}}
{
    m_holdTimer->setSingleShot(true);
    connect(m_holdTimer, &QTimer::timeout, this, &CometNode::expirePolls);
    connect(m_sessionTimer, &QTimer::timeout, this, &CometNode::expireSessions);
    m_sessionTimer->start(std::clamp(m_limits.holdMs / 4, 250, 5000));
    connect(m_hub, &ChannelHub::eventSequenced, this, &CometNode::handleEventSequenced);
}

CometNode::~CometNode() = default;

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
                [this] { return double(m_polls.size()); });
    metrics.add("duplex_http_requests_total", K::Counter, "HTTP requests received.",
                [this] { return double(m_requests); });
    metrics.add("duplex_polls_answered_total", K::Counter, "Polls answered (with events or, after the hold time, []).",
                [this] { return double(m_pollsAnswered); });
    metrics.add("duplex_polls_abandoned_total", K::Counter, "Polls whose client went away before the answer.",
                [this] { return double(m_pollsAbandoned); });
    metrics.add("duplex_events_in_total", K::Counter, "Publishes received from clients.",
                [this] { return double(m_publishCount); });
    metrics.add("duplex_events_out_total", K::Counter, "Events sent to clients in poll answers.",
                [this] { return double(m_eventsOut); });
    metrics.add("duplex_bytes_out_total", K::Counter, "Bytes of poll answers sent to clients.",
                [this] { return double(m_bytesOut); });
    metrics.add("duplex_bad_frames_total", K::Counter, "Requests refused as malformed (bad query, body, path or method).",
                [this] { return double(m_badRequests); });
    metrics.add("duplex_rate_limited_total", K::Counter, "Publishes refused by the rate limit.",
                [this] { return double(m_rateLimited); });
    metrics.add("duplex_sessions_expired_total", K::Counter, "Comet clients that stopped polling and left.",
                [this] { return double(m_sessionsExpired); });
    metrics.add("duplex_sessions_left_total", K::Counter, "Comet clients that left with POST /xhr/leave.",
                [this] { return double(m_sessionsLeft); });
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
        respondError(responder, Status::MethodNotAllowed, QStringLiteral("method_not_allowed"),
                     QStringLiteral("%1 takes %2 only").arg(path, QString::fromLatin1(allowed)), {{"Allow", allowed}});
        return;
    }
    respondError(responder, Status::NotFound, QStringLiteral("not_found"),
                 QStringLiteral("no such path: %1 (Comet paths are %2, %3 and %4)")
                     .arg(path.left(200), kSubscribePath, kPublishPath, kLeavePath));
}

void CometNode::handleSubscribe(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const protocol::SubscribeParse parsed = protocol::parseSubscribeQuery(request.query());
    if (parsed.status != protocol::SubscribeParse::Status::Ok) {
        ++m_badRequests;
        QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
        respondError(responder, Status::BadRequest, parsed.errorCode(), parsed.error);
        return;
    }
    const protocol::SubscribeQuery &query = parsed.query;
    const qint64 now = util::monotonicMs();
    const qint64 head = m_hub->head(query.channel);

    if (query.clientId.isEmpty()) {
        // First call: the client learns its id and where the channel stands, at once.
        // Its session (and its join) begins with its first poll, on whichever node that
        // poll reaches: under `hash $arg_clientId` that need not be this one.
        QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
        const QByteArray body =
            '[' + protocol::Event::welcome(util::newClientId(), query.channel, head, m_hub->nodeName()).toJson() + ']';
        m_bytesOut += quint64(body.size());
        ++m_pollsAnswered;
        respond(responder, Status::Ok, body);
        return;
    }

    const QString key = sessionKey(query.channel, query.clientId);
    const bool known = m_sessions.contains(key);
    Session &session = known ? m_sessions[key] : openSession(query.channel, query.clientId, now);
    if (!known)
        session.cursor = head; // a first poll without since starts live
    session.lastSeenMs = now;
    // One poll per client: an older one still held (a client that gave up on it, or a
    // retry) is answered [] so it never lingers until its hold time.
    if (session.pollId != 0) {
        auto older = m_polls.find(session.pollId);
        if (older != m_polls.end())
            answerPoll(older->first, Body{QByteArrayLiteral("[]"), session.cursor, 0});
    }

    const quint64 id = m_nextId++;
    Poll poll;
    poll.parked = std::make_unique<http::ParkedResponder>(http::HttpService::responderFor(request, socket), socket, this,
                                                          [this, id] { handlePollGone(id); });
    poll.sessionKey = key;
    poll.channel = query.channel;
    poll.since = query.since >= 0 ? query.since : session.cursor;
    poll.presence = query.presence;
    poll.deadlineMs = now + m_limits.holdMs;
    m_polls.emplace(id, std::move(poll));
    session.pollId = id;
    if (m_polls.size() == 1)
        armHoldTimer();
    servePoll(id);
}

void CometNode::servePoll(quint64 id)
{
    auto it = m_polls.find(id);
    if (it == m_polls.end())
        return;
    Poll &poll = it->second;
    if (poll.since >= m_hub->head(poll.channel)) {
        park(id, poll);
        return;
    }
    poll.fetching = true;
    const qint64 since = poll.since;
    m_hub->fetchSince(poll.channel, since, m_limits.maxEventsPerPoll,
                      [this, id, since, channel = poll.channel, presence = poll.presence](const log::ChannelLog::Range &range) {
                          auto found = m_polls.find(id);
                          if (found == m_polls.end())
                              return; // answered by its hold time, or the client left
                          found->second.fetching = false;
                          const Body body = bodyFor(channel, range, since, presence);
                          if (body.events > 0) {
                              answerPoll(id, body);
                              return;
                          }
                          // Only presence events, which this client does not want: wait
                          // past them (and look again if a slice stopped short of the head).
                          found->second.since = std::max(found->second.since, body.cursor);
                          if (body.cursor > since && found->second.since < m_hub->head(channel))
                              servePoll(id);
                          else
                              park(id, found->second);
                      });
}

void CometNode::park(quint64 id, Poll &poll)
{
    m_parkedByChannel[poll.channel].insert(id, true);
}

void CometNode::unpark(quint64 id, const Poll &poll)
{
    auto channel = m_parkedByChannel.find(poll.channel);
    if (channel == m_parkedByChannel.end())
        return;
    channel->remove(id);
    if (channel->isEmpty())
        m_parkedByChannel.erase(channel);
}

void CometNode::handleEventSequenced(const protocol::Sequenced &sequenced)
{
    if (!m_parkedByChannel.contains(sequenced.event.channel))
        return;
    m_dirtyChannels.insert(sequenced.event.channel, true);
    // Events of one bus read arrive back to back: answering once they are all in gives a
    // busy channel's pollers several events per answer instead of one poll per event.
    if (!m_answerScheduled) {
        m_answerScheduled = true;
        QMetaObject::invokeMethod(this, &CometNode::answerReadyPolls, Qt::QueuedConnection);
    }
}

void CometNode::answerReadyPolls()
{
    m_answerScheduled = false;
    const QList<QString> channels = m_dirtyChannels.keys();
    m_dirtyChannels.clear();
    for (const QString &channel : channels) {
        const auto parked = m_parkedByChannel.constFind(channel);
        if (parked == m_parkedByChannel.cend())
            continue;
        const QList<quint64> ids = parked->keys();
        const qint64 head = m_hub->head(channel);
        // Most pollers of a channel wait at the same `since`: build each answer once
        // (per since and presence choice).
        QHash<QPair<qint64, bool>, Body> bodies;
        for (const quint64 id : ids) {
            auto it = m_polls.find(id);
            if (it == m_polls.end() || it->second.since >= head)
                continue;
            const QPair<qint64, bool> key(it->second.since, it->second.presence);
            auto cached = bodies.constFind(key);
            if (cached == bodies.cend()) {
                log::ChannelLog::Range range;
                if (!m_hub->readLocal(channel, key.first, m_limits.maxEventsPerPoll, &range)) {
                    // Fell behind the local buffer while parked: ask the broker.
                    unpark(id, it->second);
                    servePoll(id);
                    continue;
                }
                cached = bodies.insert(key, bodyFor(channel, range, key.first, key.second));
            }
            if (cached->events > 0) {
                answerPoll(id, *cached);
            } else {
                // Presence events only, filtered out: the poll waits on past them.
                it->second.since = cached->cursor;
                if (it->second.since < head) {
                    unpark(id, it->second);
                    servePoll(id);
                }
            }
        }
    }
}

void CometNode::answerPoll(quint64 id, const Body &body)
{
    auto it = m_polls.find(id);
    if (it == m_polls.end())
        return;
    Poll poll = std::move(it->second);
    m_polls.erase(it);
    unpark(id, poll);
    auto session = m_sessions.find(poll.sessionKey);
    if (session != m_sessions.end()) {
        if (session->pollId == id)
            session->pollId = 0;
        session->cursor = std::max(session->cursor, body.cursor);
        session->lastSeenMs = util::monotonicMs();
    }
    if (QHttpServerResponder *responder = poll.parked->responder()) {
        respond(*responder, Status::Ok, body.json, m_pollHeaders);
        ++m_pollsAnswered;
        m_eventsOut += quint64(body.events);
        m_bytesOut += quint64(body.json.size());
    } else {
        ++m_pollsAbandoned;
    }
}

void CometNode::handlePollGone(quint64 id)
{
    auto it = m_polls.find(id);
    if (it == m_polls.end())
        return;
    ++m_pollsAbandoned;
    unpark(id, it->second);
    auto session = m_sessions.find(it->second.sessionKey);
    if (session != m_sessions.end() && session->pollId == id)
        session->pollId = 0;
    m_polls.erase(it);
}

void CometNode::armHoldTimer()
{
    if (m_polls.empty()) {
        m_holdTimer->stop();
        return;
    }
    const qint64 wait = m_polls.begin()->second.deadlineMs - util::monotonicMs();
    m_holdTimer->start(int(std::max<qint64>(wait, 0)));
}

void CometNode::expirePolls()
{
    const qint64 now = util::monotonicMs();
    while (!m_polls.empty() && m_polls.begin()->second.deadlineMs <= now) {
        const quint64 id = m_polls.begin()->first;
        const auto session = m_sessions.constFind(m_polls.begin()->second.sessionKey);
        answerPoll(id, Body{QByteArrayLiteral("[]"), session != m_sessions.cend() ? session->cursor : 0, 0});
    }
    armHoldTimer();
}

void CometNode::expireSessions()
{
    const qint64 now = util::monotonicMs();
    const qint64 idleLimit = 2 * qint64(m_limits.holdMs);
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it->pollId != 0 || now - it->lastSeenMs <= idleLimit) {
            ++it;
            continue;
        }
        m_hub->publish(protocol::Event::leave(it->channel, it->clientId));
        ++m_sessionsExpired;
        it = m_sessions.erase(it);
    }
    // A bucket idle for a few seconds is full again: forgetting it changes nothing.
    for (auto it = m_buckets.begin(); it != m_buckets.end();)
        it = now - it->lastUseMs > 10000 ? m_buckets.erase(it) : std::next(it);
}

CometNode::Body CometNode::bodyFor(const QString &channel, const log::ChannelLog::Range &range, qint64 since,
                                   bool presence) const
{
    Body body;
    body.cursor = since;
    QByteArray json = "[";
    auto append = [&body, &json](const QByteArray &item) {
        if (body.events > 0)
            json += ',';
        json += item;
        ++body.events;
    };
    if (range.hasGap() && range.gapTo > since) {
        append(protocol::Event::gap(channel, range.gapFrom, range.gapTo).toJson());
        body.cursor = range.gapTo;
    }
    for (const protocol::Sequenced &s : range.events) {
        if (s.event.seq <= body.cursor)
            continue;
        if (!presence && (s.event.type == protocol::EventType::Join || s.event.type == protocol::EventType::Leave)) {
            body.cursor = s.event.seq; // passed over, not sent (presence=0)
            continue;
        }
        // The byte cap keeps answers small enough to parse at once; the client gets the
        // rest on its next poll, which comes right away.
        if (body.events > 0 && qint64(json.size() + s.json.size()) > m_limits.maxBytesPerPoll)
            break;
        append(s.json);
        body.cursor = s.event.seq;
    }
    json += ']';
    body.json = std::move(json);
    return body;
}

CometNode::Session &CometNode::openSession(const QString &channel, const QString &clientId, qint64 nowMs)
{
    Session session;
    session.channel = channel;
    session.clientId = clientId;
    session.lastSeenMs = nowMs;
    auto it = m_sessions.insert(sessionKey(channel, clientId), session);
    m_hub->publish(protocol::Event::join(channel, clientId, protocol::transportName(protocol::Transport::Comet)));
    return *it;
}

bool CometNode::takePublishToken(const QString &clientId, qint64 nowMs)
{
    auto it = m_buckets.find(clientId);
    if (it == m_buckets.end())
        it = m_buckets.insert(clientId, Bucket{util::TokenBucket(m_limits.publishRate, m_limits.publishBurst), nowMs});
    it->lastUseMs = nowMs;
    return it->bucket.take(util::monotonicMs());
}

protocol::SubscribeParse CometNode::parseQueryOrRefuse(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    protocol::SubscribeParse query = protocol::parseSubscribeQuery(request.query());
    if (query.status != protocol::SubscribeParse::Status::Ok) {
        ++m_badRequests;
        respondError(responder, Status::BadRequest, query.errorCode(), query.error);
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
        respondError(responder, Status::PayloadTooLarge, QStringLiteral("too_large"), parsed.error);
        return;
    }
    if (parsed.status == protocol::PublishParse::Status::BadJson) {
        ++m_badRequests;
        respondError(responder, Status::BadRequest, QStringLiteral("bad_json"), parsed.error);
        return;
    }
    const QString &clientId = query.query.clientId;
    const qint64 now = util::monotonicMs();
    // Publishes without a clientId share one bucket: an anonymous flood cannot dodge
    // the limit by leaving the id out.
    if (!takePublishToken(clientId, now)) {
        ++m_rateLimited;
        respondError(responder, Status::TooManyRequests, QStringLiteral("rate_limited"),
                     QStringLiteral("more than %1 publishes per second: this one was dropped").arg(m_limits.publishRate));
        return;
    }
    ++m_publishCount;
    auto session = m_sessions.find(sessionKey(query.query.channel, clientId));
    if (session != m_sessions.end())
        session->lastSeenMs = now;

    const protocol::Event event = protocol::Event::published(
        query.query.channel, clientId.isEmpty() ? util::newClientId() : clientId, parsed.request.data);
    // Without a clientId the answer names the id the message went out "from".
    publishAndAnswer(event, std::move(responder), socket, clientId.isEmpty() ? event.clientId : QString());
}

void CometNode::handleLeave(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
    const protocol::SubscribeParse query = parseQueryOrRefuse(request, responder);
    if (query.status != protocol::SubscribeParse::Status::Ok)
        return;
    if (query.query.clientId.isEmpty()) {
        ++m_badRequests;
        respondError(responder, Status::BadRequest, QStringLiteral("bad_request"), QStringLiteral("leave needs the clientId"));
        return;
    }
    auto session = m_sessions.find(sessionKey(query.query.channel, query.query.clientId));
    if (session == m_sessions.end()) {
        respondError(responder, Status::NotFound, QStringLiteral("unknown_client"),
                     QStringLiteral("no session for this client in this channel here: it has left, or never polled"));
        return;
    }
    // A poll still held for this client is answered [] rather than left to its hold time.
    if (session->pollId != 0)
        answerPoll(session->pollId, Body{QByteArrayLiteral("[]"), session->cursor, 0});
    const protocol::Event leave = protocol::Event::leave(session->channel, session->clientId);
    m_sessions.erase(session);
    ++m_sessionsLeft;
    publishAndAnswer(leave, std::move(responder), socket, QString());
}

void CometNode::publishAndAnswer(const protocol::Event &event, QHttpServerResponder responder, QTcpSocket *socket,
                                 const QString &generatedId)
{
    const quint64 id = m_nextId++;
    m_publishes.emplace(id, std::make_unique<http::ParkedResponder>(std::move(responder), socket, this,
                                                                    [this, id] { handlePublishGone(id); }));
    m_hub->publish(event, [this, id, generatedId](qint64 seq) {
        auto it = m_publishes.find(id);
        if (it == m_publishes.end())
            return;
        const std::unique_ptr<http::ParkedResponder> parked = std::move(it->second);
        m_publishes.erase(it);
        if (QHttpServerResponder *r = parked->responder()) {
            // "seq" first, as the contract writes it; ids are [A-Za-z0-9_.-], no escaping.
            QByteArray json = "{\"seq\":" + QByteArray::number(seq);
            if (!generatedId.isEmpty())
                json += ",\"clientId\":\"" + generatedId.toUtf8() + '"';
            json += '}';
            respond(*r, Status::Ok, json);
        }
    });
}

void CometNode::handlePublishGone(quint64 id)
{
    // The event is still sequenced and delivered; only its answer has nowhere to go.
    m_publishes.erase(id);
}

} // namespace duplex::node
