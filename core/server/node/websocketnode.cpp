#include "node/websocketnode.h"

#include "http/clientaddress.h"
#include "node/channelhub.h"
#include "protocol/codec.h"
#include "protocol/transport.h"
#include "util/ids.h"
#include "util/monotonic.h"

#include <QNetworkRequest>
#include <QPointer>
#include <QTcpServer>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>

namespace duplex::node {

namespace {
// History is replayed in slices so one resuming client cannot monopolise the loop.
constexpr int kResumeSlice = 1000;
constexpr int kListenBacklog = 1024;
// A resume stops filling the socket past this many unsent bytes and goes on as the client
// reads: a fast reader of a large resume is never mistaken for a slow one, and a slow one
// holds at most this much of its resume in the node.
constexpr qint64 kResumeWatermark = 1024 * 1024;
// A client closed by the node has this long to read up to the close frame and answer it;
// after that (a client that stopped reading never does) the connection is cut.
constexpr int kCloseGraceMs = 5000;
// The backlog check runs this many times per --max-lag, so a reader is closed at most
// 5% past its limit.
constexpr qint64 kChecksPerLag = 20;

int backlogCheckInterval(qint64 maxLagMs)
{
    return int(std::clamp<qint64>(maxLagMs / kChecksPerLag, 50, 1000));
}

} // namespace

WebSocketNode::WebSocketNode(ChannelHub *hub, Limits limits, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_limits(limits)
    , m_server(new QWebSocketServer(QStringLiteral("duplex"), QWebSocketServer::NonSecureMode, this))
    , m_pingTimer(new QTimer(this))
    , m_backlogTimer(new QTimer(this))
{
    connect(m_server, &QWebSocketServer::newConnection, this, &WebSocketNode::handleWebSocket);
    connect(m_hub, &ChannelHub::eventSequenced, this, &WebSocketNode::handleEventSequenced);
    connect(m_hub, &ChannelHub::gapped, this, &WebSocketNode::handleGap);
    m_hub->setInUse([this](const QString &channel) { return m_subscribers.contains(channel); });
    // Idle connections are pinged so proxies on the path never see them as dead.
    connect(m_pingTimer, &QTimer::timeout, this, &WebSocketNode::pingAll);
    m_pingTimer->start(m_limits.pingIntervalMs);
    // Every client's queue is looked at on a timer, not only when an event is sent to it:
    // pongs and close frames queue too, and a stalled reader must age without traffic.
    connect(m_backlogTimer, &QTimer::timeout, this, &WebSocketNode::checkBacklogs);
    m_backlogTimer->start(backlogCheckInterval(m_limits.maxLagMs));
}

WebSocketNode::~WebSocketNode() = default;

quint16 WebSocketNode::listen(const QHostAddress &address, quint16 port, QString *error)
{
    // QWebSocketServer has no backlog setting: accept on our own QTcpServer and hand
    // each socket over for the handshake.
    m_tcp = new QTcpServer(this);
    m_tcp->setListenBacklogSize(kListenBacklog);
    if (!m_tcp->listen(address, port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(m_tcp->errorString());
        return 0;
    }
    connect(m_tcp, &QTcpServer::newConnection, this, &WebSocketNode::handleTcpConnection);
    return m_tcp->serverPort();
}

void WebSocketNode::registerMetrics(metrics::Metrics &metrics)
{
    using K = metrics::Metrics::Kind;
    metrics.add("duplex_connections", K::Gauge, "Open WebSocket connections.",
                [this] { return double(m_clients.size()); });
    metrics.add("duplex_connections_accepted_total", K::Counter, "WebSocket connections accepted.",
                [this] { return double(m_accepted); });
    metrics.add("duplex_events_in_total", K::Counter, "Publishes received from clients.",
                [this] { return double(m_publishes); });
    metrics.add("duplex_events_out_total", K::Counter, "Event frames sent to clients.",
                [this] { return double(m_framesOut); });
    metrics.add("duplex_bytes_out_total", K::Counter, "Bytes of event frames sent to clients.",
                [this] { return double(m_bytesOut); });
    metrics.add("duplex_bad_frames_total", K::Counter, "Client frames refused as malformed.",
                [this] { return double(m_badFrames); });
    metrics.add("duplex_rate_limited_total", K::Counter, "Publishes refused by the rate limit.",
                [this] { return double(m_rateLimited); });
    metrics.add("duplex_slow_closed_total", K::Counter, "Clients closed for reading too slowly.",
                [this] { return double(m_slowClosed); });
    metrics.add("duplex_connections_refused_total", K::Counter,
                "WebSocket connections refused: the node held --max-connections, or their address --max-per-address.",
                [this] { return double(m_refusedFull); });
    metrics.add("duplex_outbound_bytes", K::Gauge, "Bytes queued unsent to every client, at the last check.",
                [this] { return double(m_outboundBytes); });
    metrics.add("duplex_outbound_lag_max_seconds", K::Gauge,
                "Age of the oldest byte queued unsent to any client, at the last check.",
                [this] { return double(m_maxLagMs) / 1000.0; });
    metrics.add("duplex_bus_events_in_total", K::Counter, "Sequenced events received from the broker.",
                [this] { return double(m_hub->eventsReceived()); });
    metrics.add("duplex_history_requests_total", K::Counter, "Resumes served from the broker's history.",
                [this] { return double(m_hub->historyRequests()); });
}

void WebSocketNode::handleTcpConnection()
{
    while (QTcpSocket *socket = m_tcp->nextPendingConnection())
        m_server->handleConnection(socket);
}

void WebSocketNode::handleWebSocket()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        // Qt's own limit aborts mid-message, with the rest of the frame unread: the close
        // then goes out as a TCP reset and the client never sees 1009. So Qt only guards
        // memory, well above the limit, and handleText() refuses what is too large once
        // the whole message is read, with a clean 1009.
        const quint64 memoryGuard = quint64(std::max<qint64>(4 * m_limits.maxMessageBytes, 1024 * 1024));
        socket->setMaxAllowedIncomingFrameSize(memoryGuard);
        socket->setMaxAllowedIncomingMessageSize(memoryGuard);
        ++m_accepted;

        auto owned = std::make_unique<Client>(socket, util::TokenBucket(m_limits.publishRate, m_limits.publishBurst));
        Client *client = owned.get();
        m_clients.emplace(socket, std::move(owned));
        connect(socket, &QWebSocket::disconnected, this, [this, socket] { handleDisconnected(socket); });
        connect(socket, &QWebSocket::bytesWritten, this,
                [this, socket](qint64 bytes) { handleBytesWritten(socket, bytes); });

        if (int(m_clients.size()) > m_limits.maxConnections) {
            // Told why and to retry: nginx's least_conn sends the retry to a node with
            // room. (1008, not 1013 "try again later": Qt's own clients read 1013 as a
            // protocol error.)
            refuseConnection(client, QStringLiteral("this node holds %1 connections, its limit: retry")
                                         .arg(m_limits.maxConnections));
            continue;
        }
        const QHostAddress address =
            http::clientAddress(socket->peerAddress(), socket->request().rawHeader(QByteArrayLiteral("X-Real-IP")));
        if (http::isLimitedAddress(address)) {
            int &count = m_perAddress[address.toString()];
            client->address = address.toString();
            if (++count > m_limits.maxPerAddress) {
                refuseConnection(client, QStringLiteral("%1 connections from %2 already, the limit")
                                             .arg(m_limits.maxPerAddress)
                                             .arg(client->address));
                continue;
            }
        }

        const protocol::SubscribeParse parsed = protocol::parseSubscribeQuery(QUrlQuery(socket->requestUrl()));
        if (parsed.status != protocol::SubscribeParse::Status::Ok) {
            sendFrame(client, protocol::Event::error(parsed.errorCode(), parsed.error).toJson());
            closeLater(client, QWebSocketProtocol::CloseCodePolicyViolated, parsed.error);
            continue;
        }
        connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) {
            if (Client *c = find(socket))
                handleText(c, text);
        });
        connect(socket, &QWebSocket::binaryMessageReceived, this, [this, socket](const QByteArray &) {
            if (Client *c = find(socket)) {
                ++m_badFrames;
                closeLater(c, QWebSocketProtocol::CloseCodeDatatypeNotSupported,
                           QStringLiteral("binary frames are not supported: send JSON text"));
            }
        });

        const protocol::SubscribeQuery &query = parsed.query;
        client->id = query.clientId.isEmpty() ? util::newClientId() : query.clientId;
        client->channel = query.channel;
        client->presence = query.presence;
        // The welcome says where the channel stands: at once when this node knows the
        // channel, else once the broker has said. What the client publishes meanwhile is
        // sequenced after that answer, so it still comes back to it.
        m_hub->withHead(query.channel, [this, socket = QPointer<QWebSocket>(socket), since = query.since](qint64 head) {
            if (Client *c = socket ? find(socket) : nullptr)
                subscribe(c, since, head);
        });
    }
}

void WebSocketNode::subscribe(Client *client, qint64 since, qint64 head)
{
    if (client->closing)
        return;
    client->lastSent = since >= 0 ? since : head;
    client->resuming = since >= 0 && since < head;
    client->joined = true;
    m_subscribers[client->channel].push_back(client);
    sendFrame(client, protocol::Event::welcome(client->id, client->channel, head, m_hub->nodeName(), presenceSent(client))
                          .toJson());
    m_hub->publish(protocol::Event::join(client->channel, client->id,
                                         protocol::transportName(protocol::Transport::WebSocket)));
    if (client->resuming)
        continueResume(client->socket);
}

void WebSocketNode::handleText(Client *client, const QString &text)
{
    if (client->closing)
        return;
    const protocol::PublishParse parsed = protocol::parseWebSocketFrame(text.toUtf8(), m_limits.maxMessageBytes);
    if (parsed.status == protocol::PublishParse::Status::TooLarge) {
        ++m_badFrames;
        closeLater(client, QWebSocketProtocol::CloseCodeTooMuchData, parsed.error);
        return;
    }
    if (parsed.status == protocol::PublishParse::Status::BadJson) {
        ++m_badFrames;
        // A malformed frame costs a token like a publish: each one is parsed and answered,
        // so a stream of them past the rate is a flood, and a flood is closed.
        if (!client->bucket.take(util::monotonicMs())) {
            ++m_rateLimited;
            sendFrame(client, protocol::Event::error(QStringLiteral("rate_limited"),
                                                     QStringLiteral("malformed frames past the rate limit: closing"))
                                  .toJson());
            closeLater(client, QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("malformed frame flood"));
            return;
        }
        sendFrame(client, protocol::Event::error(QStringLiteral("bad_json"), parsed.error).toJson());
        return;
    }
    if (!client->bucket.take(util::monotonicMs())) {
        ++m_rateLimited;
        sendFrame(client, protocol::Event::error(QStringLiteral("rate_limited"),
                                                 QStringLiteral("more than %1 publishes per second: this one was dropped")
                                                     .arg(m_limits.publishRate))
                              .toJson());
        return;
    }
    ++m_publishes;
    const protocol::Event event = protocol::Event::published(client->channel, client->id, parsed.request.data);
    // Acked when it has an id; refused (`unavailable`) whenever it was not sequenced, so a
    // client never takes silence for success.
    m_hub->publish(event, [this, socket = QPointer<QWebSocket>(client->socket),
                           id = parsed.request.id](const ChannelHub::PublishOutcome &outcome) {
        Client *c = socket ? find(socket) : nullptr;
        if (!c)
            return;
        if (!outcome.sequenced())
            sendFrame(c, protocol::Event::error(QStringLiteral("unavailable"), outcome.unavailable).toJson());
        else if (!id.isUndefined())
            sendFrame(c, protocol::Event::ack(id, outcome.seq).toJson());
    }, parsed.request.id);
}

void WebSocketNode::handleDisconnected(QWebSocket *socket)
{
    auto it = m_clients.find(socket);
    if (it == m_clients.end())
        return;
    std::unique_ptr<Client> client = std::move(it->second);
    m_clients.erase(it);
    if (!client->address.isEmpty()) {
        auto count = m_perAddress.find(client->address);
        if (count != m_perAddress.end() && --*count <= 0)
            m_perAddress.erase(count);
    }
    auto subs = m_subscribers.find(client->channel);
    if (subs != m_subscribers.end()) {
        auto &list = subs.value();
        list.erase(std::remove(list.begin(), list.end(), client.get()), list.end());
        if (list.empty())
            m_subscribers.erase(subs);
    }
    if (client->joined)
        m_hub->publish(protocol::Event::leave(client->channel, client->id));
    socket->deleteLater();
}

void WebSocketNode::handleEventSequenced(const protocol::Sequenced &sequenced)
{
    auto subs = m_subscribers.constFind(sequenced.event.channel);
    if (subs == m_subscribers.cend())
        return;
    // Index loop: a send never removes a subscriber synchronously (closes are queued),
    // but the list must not be held by reference across anything that could.
    const std::vector<Client *> &list = subs.value();
    for (size_t i = 0; i < list.size(); ++i) {
        Client *client = list[i];
        if (!client->resuming)
            sendEvent(client, sequenced);
    }
}

void WebSocketNode::handleGap(const QString &channel, qint64 from, qint64 to)
{
    auto subs = m_subscribers.constFind(channel);
    if (subs == m_subscribers.cend())
        return;
    // As a resume says it: a client learns what it missed before what comes after it.
    // Resuming clients learn it from their own history replies.
    const std::vector<Client *> &list = subs.value();
    for (size_t i = 0; i < list.size(); ++i) {
        Client *client = list[i];
        if (client->resuming || client->lastSent >= to)
            continue;
        sendFrame(client, protocol::Event::gap(channel, std::max(from, client->lastSent + 1), to).toJson());
        client->lastSent = to;
    }
}

void WebSocketNode::continueResume(QWebSocket *socket)
{
    Client *client = find(socket);
    if (!client || client->closing)
        return;
    while (!client->resumeQueue.empty()) {
        if (socket->bytesToWrite() >= kResumeWatermark)
            return; // handleBytesWritten() goes on once the client has read some
        const protocol::Sequenced next = std::move(client->resumeQueue.front());
        client->resumeQueue.pop_front();
        sendEvent(client, next);
        if (client->closing)
            return;
    }
    if (client->fetching)
        return;
    if (client->lastSent >= m_hub->head(client->channel)) {
        client->resuming = false;
        return;
    }
    client->fetching = true;
    m_hub->fetchSince(client->channel, client->lastSent, kResumeSlice,
                      [this, socket = QPointer<QWebSocket>(socket)](const log::ChannelLog::Range &range) {
                          Client *c = socket ? find(socket) : nullptr;
                          if (!c)
                              return;
                          c->fetching = false;
                          if (range.hasGap() && range.gapTo > c->lastSent) {
                              sendFrame(c, protocol::Event::gap(c->channel, range.gapFrom, range.gapTo).toJson());
                              c->lastSent = range.gapTo;
                          }
                          if (range.events.empty() && !range.hasGap()) {
                              // Nothing more is held anywhere: live events take over.
                              c->resuming = false;
                              return;
                          }
                          c->resumeQueue.insert(c->resumeQueue.end(), range.events.begin(), range.events.end());
                          continueResume(socket);
                      });
}

void WebSocketNode::sendEvent(Client *client, const protocol::Sequenced &sequenced)
{
    if (sequenced.event.seq <= client->lastSent)
        return; // already sent: resume and live delivery may overlap
    client->lastSent = sequenced.event.seq;
    if ((sequenced.event.type == protocol::EventType::Join || sequenced.event.type == protocol::EventType::Leave)
        && !presenceSent(client))
        return; // the client asked for messages only, or its channel is too crowded here
    sendFrame(client, sequenced.json);
}

bool WebSocketNode::presenceSent(const Client *client) const
{
    if (!client->presence)
        return false;
    // Past the limit each join would go to every member: n members joining cost n²/2
    // deliveries, so a crowded channel stops announcing who comes and goes.
    const auto subs = m_subscribers.constFind(client->channel);
    return subs == m_subscribers.cend() || int(subs->size()) <= m_limits.presenceLimit;
}

void WebSocketNode::sendFrame(Client *client, const QByteArray &json)
{
    if (client->closing)
        return;
    writeFrame(client, json);
    // The byte bound is checked at once (it guards memory); the time bound on the timer.
    if (client->socket->bytesToWrite() > m_limits.maxBacklogBytes)
        closeSlow(client, QStringLiteral("%1 bytes unread").arg(client->socket->bytesToWrite()));
}

void WebSocketNode::writeFrame(Client *client, const QByteArray &json)
{
    client->socket->sendTextMessage(QString::fromUtf8(json));
    ++m_framesOut;
    m_bytesOut += quint64(json.size());
}

void WebSocketNode::refuseConnection(Client *client, const QString &message)
{
    ++m_refusedFull;
    sendFrame(client, protocol::Event::error(QStringLiteral("unavailable"), message).toJson());
    closeLater(client, QWebSocketProtocol::CloseCodePolicyViolated, message);
}

void WebSocketNode::closeSlow(Client *client, const QString &reason)
{
    if (client->closing)
        return;
    ++m_slowClosed;
    client->resumeQueue.clear();
    const QString message = QStringLiteral("too slow: %1; reconnect with since to resume").arg(reason);
    // Written without sendFrame's bound check: the client is past it already, and checking
    // again would close it again, without end.
    writeFrame(client, protocol::Event::error(QStringLiteral("too_slow"), message).toJson());
    closeLater(client, QWebSocketProtocol::CloseCodePolicyViolated, message);
}

void WebSocketNode::handleBytesWritten(QWebSocket *socket, qint64 bytes)
{
    Client *client = find(socket);
    if (!client)
        return;
    client->written += quint64(bytes);
    if (client->resuming && !client->resumeQueue.empty() && socket->bytesToWrite() < kResumeWatermark)
        continueResume(socket);
}

void WebSocketNode::checkBacklogs()
{
    const qint64 now = util::monotonicMs();
    qint64 total = 0;
    qint64 maxLag = 0;
    std::vector<std::pair<qint64, Client *>> open; // unsent bytes, client
    for (const auto &entry : m_clients) {
        Client *client = entry.second.get();
        const qint64 unsent = client->socket->bytesToWrite();
        client->lag.record(now, client->written, unsent);
        total += unsent;
        if (client->closing)
            continue; // its bytes still count until it is gone
        const qint64 lag = client->lag.lagMs(now);
        maxLag = std::max(maxLag, lag);
        if (lag > m_limits.maxLagMs)
            closeSlow(client, QStringLiteral("%1 ms behind").arg(lag));
        else if (unsent > m_limits.maxBacklogBytes) // queued by Qt alone (pongs) since the last send
            closeSlow(client, QStringLiteral("%1 bytes unread").arg(unsent));
        else if (unsent > 0)
            open.emplace_back(unsent, client);
    }
    m_outboundBytes = total;
    m_maxLagMs = maxLag;
    if (total <= m_limits.maxOutboundBytes)
        return;
    // Over the node's bound: the largest backlogs go first, as few clients as it takes.
    std::sort(open.begin(), open.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    for (const auto &[unsent, client] : open) {
        if (total <= m_limits.maxOutboundBytes)
            break;
        closeSlow(client, QStringLiteral("the node's %1 bytes for all its clients are used up")
                              .arg(m_limits.maxOutboundBytes));
        total -= unsent;
    }
}

void WebSocketNode::closeLater(Client *client, int code, const QString &reason)
{
    if (client->closing)
        return;
    client->closing = true;
    // Close frames carry at most 123 bytes of reason.
    const QString shortReason = reason.left(120);
    QMetaObject::invokeMethod(
        this,
        [socket = QPointer<QWebSocket>(client->socket), code, shortReason] {
            if (socket)
                socket->close(QWebSocketProtocol::CloseCode(code), shortReason);
        },
        Qt::QueuedConnection);
    // Qt waits for the peer's close frame without a deadline: a client that stopped
    // reading would keep its socket and its backlog forever.
    QTimer::singleShot(kCloseGraceMs, client->socket, [socket = client->socket] { socket->abort(); });
}

void WebSocketNode::pingAll()
{
    for (const auto &entry : m_clients) {
        if (!entry.second->closing)
            entry.first->ping();
    }
}

WebSocketNode::Client *WebSocketNode::find(QWebSocket *socket)
{
    auto it = m_clients.find(socket);
    return it == m_clients.end() ? nullptr : it->second.get();
}

} // namespace duplex::node
