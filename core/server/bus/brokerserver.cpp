#include "bus/brokerserver.h"

#include "bus/busframe.h"
#include "protocol/codec.h"
#include "util/monotonic.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <vector>

namespace duplex::bus {

namespace {
// A connection that has not proved the secret by then is dropped.
constexpr int kHelloTimeoutMs = 5000;
// Before the secret is proved, a line is a hello (about 100 bytes): a longer one is not
// read on, so a stranger cannot make the broker buffer and parse the 16 MiB of a bus line.
constexpr qint64 kMaxHelloBytes = 4096;
// Connections waiting for their hello, at most: nodes say hello at once, and strangers
// hold a place for at most kHelloTimeoutMs.
constexpr int kMaxUnauthenticated = 64;

// Compares secrets in time independent of where they differ.
bool sameSecret(const QByteArray &a, const QByteArray &b)
{
    const QByteArray ha = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray hb = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (int i = 0; i < ha.size(); ++i)
        diff |= static_cast<unsigned char>(ha.at(i) ^ hb.at(i));
    return diff == 0;
}
} // namespace

BrokerServer::BrokerServer(QByteArray secret, int historyCapacity, qint64 historyBytes, qint64 historyTotalBytes,
                           QObject *parent)
    : QObject(parent)
    , m_secret(std::move(secret))
    , m_historyCapacity(historyCapacity)
    , m_history(historyCapacity, historyBytes, historyTotalBytes)
    , m_dedupe(std::make_unique<log::PublishDedupe>(log::PublishDedupe::kWindowMs, kDefaultDedupeBytes))
{
    m_metrics.add("duplex_broker_nodes", metrics::Metrics::Kind::Gauge, "Authenticated node connections.",
                  [this] { return double(nodeCount()); });
    m_metrics.add("duplex_connections", metrics::Metrics::Kind::Gauge, "Open bus connections.",
                  [this] { return double(m_sessions.size()); });
    m_metrics.add("duplex_channels", metrics::Metrics::Kind::Gauge, "Channels sequenced (each keeps its head).",
                  [this] { return double(m_history.channelCount()); });
    m_metrics.add("duplex_channels_held", metrics::Metrics::Kind::Gauge, "Channels with events in the history.",
                  [this] { return double(m_history.heldChannelCount()); });
    m_metrics.add("duplex_history_bytes", metrics::Metrics::Kind::Gauge, "Bytes of events held in every channel's history.",
                  [this] { return double(m_history.bytes()); });
    m_metrics.add("duplex_events_in_total", metrics::Metrics::Kind::Counter, "Events sequenced.",
                  [this] { return double(m_eventsSequenced); });
    // Counted as relayed, not derived from today's node count: a counter never goes down.
    m_metrics.add("duplex_events_out_total", metrics::Metrics::Kind::Counter, "Event frames relayed to nodes.",
                  [this] { return double(m_eventsRelayed); });
    m_metrics.add("duplex_bytes_out_total", metrics::Metrics::Kind::Counter, "Bytes written to nodes.",
                  [this] { return double(m_bytesOut); });
    m_metrics.add("duplex_frames_rejected_total", metrics::Metrics::Kind::Counter,
                  "Bus frames refused as malformed.", [this] { return double(m_framesRejected); });
    m_metrics.add("duplex_channel_limit_rejections_total", metrics::Metrics::Kind::Counter,
                  "Publishes to a new channel rejected: --max-channels channels are numbered.",
                  [this] { return double(m_publishesRejected); });
    m_metrics.add("duplex_publishes_deduplicated_total", metrics::Metrics::Kind::Counter,
                  "Publishes that retried one sequenced within 5 minutes (same channel, client and id): answered "
                  "with the first seq, not sequenced again.",
                  [this] { return double(m_publishesDeduplicated); });
    m_metrics.add("duplex_dedupe_bytes", metrics::Metrics::Kind::Gauge,
                  "Bytes of publish ids remembered for deduplication (--dedupe-bytes).",
                  [this] { return double(m_dedupe->bytes()); });
    m_metrics.add("duplex_dedupe_forgotten_early_total", metrics::Metrics::Kind::Counter,
                  "Publish ids forgotten for room before their 5 minutes: a retry of one is sequenced again.",
                  [this] { return double(m_dedupe->forgottenEarly()); });
    m_metrics.add("duplex_bus_connections_refused_total", metrics::Metrics::Kind::Counter,
                  "Bus connections closed at once: too many were waiting for their hello.",
                  [this] { return double(m_connectionsRefused); });
    m_metrics.add("duplex_bus_nodes_dropped_total", metrics::Metrics::Kind::Counter,
                  "Nodes cut off because their unsent backlog passed --max-node-lag.",
                  [this] { return double(m_nodesDropped); });
    m_metrics.add("duplex_bus_node_backlog_bytes", metrics::Metrics::Kind::Gauge,
                  "The largest number of bytes written to one node and not yet sent.",
                  [this] { return double(largestBacklog()); });
}

BrokerServer::~BrokerServer() = default;

void BrokerServer::setDedupeBytes(qint64 bytes)
{
    m_dedupe = std::make_unique<log::PublishDedupe>(log::PublishDedupe::kWindowMs, bytes);
}

quint16 BrokerServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    m_server = new QTcpServer(this);
    m_server->setListenBacklogSize(256);
    if (!m_server->listen(address, port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(m_server->errorString());
        return 0;
    }
    connect(m_server, &QTcpServer::newConnection, this, &BrokerServer::handleNewConnection);
    return m_server->serverPort();
}

int BrokerServer::nodeCount() const
{
    int n = 0;
    for (const auto &entry : m_sessions)
        n += entry.second.authenticated ? 1 : 0;
    return n;
}

void BrokerServer::handleNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (int(m_sessions.size()) - nodeCount() >= kMaxUnauthenticated) {
            ++m_connectionsRefused;
            socket->abort();
            socket->deleteLater();
            continue;
        }
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_sessions[socket].socket = socket;
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { handleReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { handleDisconnected(socket); });
        QTimer::singleShot(kHelloTimeoutMs, socket, [this, socket] {
            auto it = m_sessions.find(socket);
            if (it != m_sessions.end() && !it->second.authenticated)
                refuse(it->second, QStringLiteral("no hello within %1 ms").arg(kHelloTimeoutMs));
        });
    }
}

void BrokerServer::handleReadyRead(QTcpSocket *socket)
{
    for (;;) {
        auto it = m_sessions.find(socket);
        if (it == m_sessions.end() || socket->state() != QAbstractSocket::ConnectedState)
            return;
        const qint64 limit = it->second.authenticated ? kMaxLineBytes : kMaxHelloBytes;
        const LineRead read = readLine(socket, limit);
        if (read.status == LineRead::Status::NeedMore)
            return;
        if (read.status == LineRead::Status::TooLong) {
            refuse(it->second, QStringLiteral("%1 longer than %2 bytes")
                                   .arg(it->second.authenticated ? QStringLiteral("bus line") : QStringLiteral("hello"))
                                   .arg(limit));
            return;
        }
        handleFrame(it->second, read.line);
    }
}

void BrokerServer::handleDisconnected(QTcpSocket *socket)
{
    auto it = m_sessions.find(socket);
    if (it == m_sessions.end())
        return;
    const Session session = it->second;
    m_sessions.erase(it);
    socket->deleteLater();
    if (session.authenticated)
        emit nodeDisconnected(session.name);
}

void BrokerServer::handleFrame(Session &session, const QByteArray &line)
{
    const QJsonObject frame = QJsonDocument::fromJson(line).object();
    const QString op = frame.value(QStringLiteral("op")).toString();
    if (!session.authenticated) {
        if (op == QLatin1String("hello"))
            handleHello(session, frame);
        else
            refuse(session, QStringLiteral("the first frame must be hello"));
        return;
    }
    if (op == QLatin1String("publish")) {
        handlePublish(session, frame);
    } else if (op == QLatin1String("history")) {
        handleHistory(session, frame);
    } else {
        ++m_framesRejected;
        qWarning("broker: node %s sent an unknown frame: %s", qPrintable(session.name), line.left(200).constData());
    }
}

void BrokerServer::handleHello(Session &session, const QJsonObject &frame)
{
    const QString name = frame.value(QStringLiteral("node")).toString();
    if (!sameSecret(frame.value(QStringLiteral("secret")).toString().toUtf8(), m_secret)) {
        refuse(session, QStringLiteral("wrong cluster secret"));
        return;
    }
    if (!protocol::isValidClientId(name)) {
        refuse(session, QStringLiteral("node name must match [A-Za-z0-9_.-]{1,64}"));
        return;
    }
    session.authenticated = true;
    session.name = name;
    // The heads go in lines of at most m_headsChunk channels, then `ready`: no line grows
    // with the channel count (one line of every head passed the 16 MiB line limit at about
    // 230k channels, and no node could join after that). All are written at once, so no
    // event comes between them and `ready`, and the heads match the stream that follows.
    QByteArray handshake;
    QJsonObject heads;
    const auto flushHeads = [&] {
        handshake += encodeLine({{QStringLiteral("op"), QStringLiteral("heads")}, {QStringLiteral("heads"), heads}});
        heads = {};
    };
    for (auto it = m_history.heads().cbegin(); it != m_history.heads().cend(); ++it) {
        heads.insert(it.key(), it.value());
        if (heads.size() >= m_headsChunk)
            flushHeads();
    }
    if (!heads.isEmpty())
        flushHeads();
    handshake += encodeLine({{QStringLiteral("op"), QStringLiteral("ready")}, {QStringLiteral("history"), m_historyCapacity}});
    session.handshakeBytes = handshake.size();
    m_bytesOut += quint64(handshake.size());
    QTcpSocket *socket = session.socket;
    socket->write(handshake);
    emit nodeAuthenticated(name);
    dropIfLagging(socket);
}

void BrokerServer::handlePublish(Session &session, const QJsonObject &frame)
{
    PublishFrame publish;
    if (!decodePublish(frame, &publish)) {
        ++m_framesRejected;
        qWarning("broker: node %s published a malformed event (ref %lld)", qPrintable(session.name), publish.ref);
        reject(session, publish.ref, QStringLiteral("the bus refused a malformed event"));
        return;
    }
    const qint64 ref = publish.ref;
    protocol::Event &event = publish.event;
    const qint64 now = util::monotonicMs();
    const QByteArray dedupeKey = publish.idJson.isEmpty()
        ? QByteArray()
        : log::PublishDedupe::keyOf(event.channel, event.clientId, publish.idJson);
    if (!dedupeKey.isEmpty()) {
        if (const qint64 seq = m_dedupe->find(dedupeKey, now)) {
            ++m_publishesDeduplicated;
            writeTo(session.socket, encodeDuplicateLine(ref, seq));
            return;
        }
    }
    if (m_history.channelCount() >= m_maxChannels && !m_history.knows(event.channel)) {
        ++m_publishesRejected;
        reject(session, ref, QStringLiteral("the cluster numbers %1 channels, its limit: publish to one of those").arg(m_maxChannels));
        return;
    }
    event.ts = QDateTime::currentMSecsSinceEpoch();
    const protocol::Sequenced sequenced = m_history.sequence(std::move(event));
    ++m_eventsSequenced;
    if (!dedupeKey.isEmpty())
        m_dedupe->remember(dedupeKey, sequenced.event.seq, now);
    const QByteArray line = encodeEventLine(sequenced, session.name, ref);
    // Dropped after the loop: a drop (and the flush that may come first) can remove sessions.
    std::vector<QTcpSocket *> lagging;
    for (auto &entry : m_sessions) {
        if (!entry.second.authenticated)
            continue;
        entry.second.socket->write(line);
        m_bytesOut += quint64(line.size());
        ++m_eventsRelayed;
        if (isLagging(entry.second))
            lagging.push_back(entry.first);
    }
    for (QTcpSocket *socket : lagging)
        dropIfLagging(socket);
}

void BrokerServer::handleHistory(Session &session, const QJsonObject &frame)
{
    HistoryRequest request;
    if (!decodeHistoryRequest(frame, &request)) {
        ++m_framesRejected;
        qWarning("broker: node %s sent a malformed history request", qPrintable(session.name));
        return;
    }
    log::ChannelLog::Range range = m_history.since(request.channel, request.since, request.limit);
    // Keep a reply line bounded in bytes too: a client asks again from where it ends. A
    // quarter of the lag bound at most, so one reply never gets its reader dropped.
    const qint64 replyBytes = std::min(kHistoryReplyBytes, m_maxNodeLag / 4);
    qint64 bytes = 0;
    for (size_t i = 0; i < range.events.size(); ++i) {
        bytes += range.events[i].json.size() + 1;
        if (bytes > replyBytes && i > 0) {
            range.events.resize(i);
            range.more = true;
            break;
        }
    }
    writeTo(session.socket, encodeHistoryLine(request.ref, request.channel, m_history.head(request.channel), range));
}

void BrokerServer::reject(Session &session, qint64 ref, const QString &reason)
{
    writeTo(session.socket, encodeRejectedLine(ref, reason));
}

void BrokerServer::writeTo(QTcpSocket *socket, const QByteArray &line)
{
    socket->write(line);
    m_bytesOut += quint64(line.size());
    dropIfLagging(socket);
}

void BrokerServer::refuse(Session &session, const QString &reason)
{
    ++m_framesRejected;
    emit nodeRefused(session.socket->peerAddress().toString() + QLatin1Char(':')
                         + QString::number(session.socket->peerPort()),
                     reason);
    session.socket->write(encodeLine({{QStringLiteral("op"), QStringLiteral("refused")},
                                      {QStringLiteral("reason"), reason}}));
    session.socket->disconnectFromHost();
}

bool BrokerServer::isLagging(Session &session)
{
    if (session.socket->bytesToWrite() <= m_maxNodeLag) {
        session.handshakeBytes = 0;
        return false;
    }
    return session.socket->bytesToWrite() > m_maxNodeLag + session.handshakeBytes;
}

void BrokerServer::dropIfLagging(QTcpSocket *socket)
{
    auto it = m_sessions.find(socket);
    if (it == m_sessions.end() || !isLagging(it->second))
        return;
    // Qt writes from its buffer when the loop next runs: in a burst a healthy node's
    // backlog is mostly what the kernel would take at once. Hand that over before judging.
    socket->flush();
    it = m_sessions.find(socket); // a failed write may have closed it
    if (it == m_sessions.end() || !isLagging(it->second))
        return;
    drop(socket, QStringLiteral("%1 bytes unread, more than --max-node-lag %2: reconnect and catch up from history")
                     .arg(socket->bytesToWrite())
                     .arg(m_maxNodeLag));
}

void BrokerServer::drop(QTcpSocket *socket, const QString &reason)
{
    auto it = m_sessions.find(socket);
    if (it == m_sessions.end())
        return;
    const QString name = it->second.name;
    m_sessions.erase(it);
    ++m_nodesDropped;
    // No `refused` frame: it would queue behind the very backlog that is the problem, and
    // only a reset frees that memory now. The node sees the reset and reconnects.
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
    emit nodeDropped(name, reason);
}

qint64 BrokerServer::largestBacklog() const
{
    qint64 largest = 0;
    for (const auto &entry : m_sessions)
        largest = std::max(largest, entry.first->bytesToWrite());
    return largest;
}

} // namespace duplex::bus
