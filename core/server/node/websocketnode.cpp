#include "node/websocketnode.h"

#include "node/channelhub.h"
#include "protocol/codec.h"
#include "protocol/transport.h"
#include "util/ids.h"
#include "util/monotonic.h"

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

} // namespace

WebSocketNode::WebSocketNode(ChannelHub *hub, Limits limits, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_limits(limits)
    , m_server(new QWebSocketServer(QStringLiteral("duplex"), QWebSocketServer::NonSecureMode, this))
    , m_pingTimer(new QTimer(this))
{
    connect(m_server, &QWebSocketServer::newConnection, this, &WebSocketNode::handleWebSocket);
    connect(m_hub, &ChannelHub::eventSequenced, this, &WebSocketNode::handleEventSequenced);
    connect(m_hub, &ChannelHub::gapped, this, &WebSocketNode::handleGap);
    // Idle connections are pinged so proxies on the path never see them as dead.
    connect(m_pingTimer, &QTimer::timeout, this, &WebSocketNode::pingAll);
    m_pingTimer->start(m_limits.pingIntervalMs);
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

        auto owned = std::make_unique<Client>(Client{socket, {}, {}, 0, false, false, true,
                                                     util::TokenBucket(m_limits.publishRate, m_limits.publishBurst)});
        Client *client = owned.get();
        m_clients.emplace(socket, std::move(owned));
        connect(socket, &QWebSocket::disconnected, this, [this, socket] { handleDisconnected(socket); });

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
        const qint64 head = m_hub->head(query.channel);
        client->id = query.clientId.isEmpty() ? util::newClientId() : query.clientId;
        client->channel = query.channel;
        client->lastSent = query.since >= 0 ? query.since : head;
        client->resuming = query.since >= 0 && query.since < head;
        client->presence = query.presence;
        m_subscribers[client->channel].push_back(client);

        sendFrame(client, protocol::Event::welcome(client->id, client->channel, head, m_hub->nodeName()).toJson());
        m_hub->publish(protocol::Event::join(client->channel, client->id,
                                             protocol::transportName(protocol::Transport::WebSocket)));
        if (client->resuming)
            continueResume(socket);
    }
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
    });
}

void WebSocketNode::handleDisconnected(QWebSocket *socket)
{
    auto it = m_clients.find(socket);
    if (it == m_clients.end())
        return;
    std::unique_ptr<Client> client = std::move(it->second);
    m_clients.erase(it);
    auto subs = m_subscribers.find(client->channel);
    if (subs != m_subscribers.end()) {
        auto &list = subs.value();
        list.erase(std::remove(list.begin(), list.end(), client.get()), list.end());
        if (list.empty())
            m_subscribers.erase(subs);
    }
    if (!client->id.isEmpty()) {
        m_hub->publish(protocol::Event::leave(client->channel, client->id));
    }
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
    if (client->lastSent >= m_hub->head(client->channel)) {
        client->resuming = false;
        return;
    }
    m_hub->fetchSince(client->channel, client->lastSent, kResumeSlice,
                      [this, socket = QPointer<QWebSocket>(socket)](const log::ChannelLog::Range &range) {
                          Client *c = socket ? find(socket) : nullptr;
                          if (!c)
                              return;
                          if (range.hasGap() && range.gapTo > c->lastSent) {
                              sendFrame(c, protocol::Event::gap(c->channel, range.gapFrom, range.gapTo).toJson());
                              c->lastSent = range.gapTo;
                          }
                          for (const protocol::Sequenced &s : range.events)
                              sendEvent(c, s);
                          if (range.events.empty() && !range.hasGap()) {
                              // Nothing more is held anywhere: live events take over.
                              c->resuming = false;
                              return;
                          }
                          continueResume(socket);
                      });
}

void WebSocketNode::sendEvent(Client *client, const protocol::Sequenced &sequenced)
{
    if (sequenced.event.seq <= client->lastSent)
        return; // already sent: resume and live delivery may overlap
    client->lastSent = sequenced.event.seq;
    if (!client->presence
        && (sequenced.event.type == protocol::EventType::Join || sequenced.event.type == protocol::EventType::Leave))
        return; // the client asked for messages only
    sendFrame(client, sequenced.json);
}

void WebSocketNode::sendFrame(Client *client, const QByteArray &json)
{
    if (client->closing)
        return;
    client->socket->sendTextMessage(QString::fromUtf8(json));
    ++m_framesOut;
    m_bytesOut += quint64(json.size());
    if (client->socket->bytesToWrite() > m_limits.maxUnsentBytes) {
        ++m_slowClosed;
        closeLater(client, QWebSocketProtocol::CloseCodePolicyViolated,
                   QStringLiteral("too slow: %1 bytes unread; reconnect with since to resume")
                       .arg(client->socket->bytesToWrite()));
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
