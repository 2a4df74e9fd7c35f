#include "bus/brokerserver.h"

#include "bus/busframe.h"
#include "protocol/codec.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

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

BrokerServer::BrokerServer(QByteArray secret, int historyCapacity, qint64 historyBytes, QObject *parent)
    : QObject(parent)
    , m_secret(std::move(secret))
    , m_historyCapacity(historyCapacity)
    , m_historyBytes(historyBytes)
{
    m_metrics.add("duplex_broker_nodes", metrics::Metrics::Kind::Gauge, "Authenticated node connections.",
                  [this] { return double(nodeCount()); });
    m_metrics.add("duplex_connections", metrics::Metrics::Kind::Gauge, "Open bus connections.",
                  [this] { return double(m_sessions.size()); });
    m_metrics.add("duplex_channels", metrics::Metrics::Kind::Gauge, "Channels with history.",
                  [this] { return double(m_channels.size()); });
    m_metrics.add("duplex_history_bytes", metrics::Metrics::Kind::Gauge, "Bytes of events held in every channel's history.",
                  [this] {
                      qint64 bytes = 0;
                      for (const log::ChannelLog &log : std::as_const(m_channels))
                          bytes += log.bytes();
                      return double(bytes);
                  });
    m_metrics.add("duplex_events_in_total", metrics::Metrics::Kind::Counter, "Events sequenced.",
                  [this] { return double(m_eventsSequenced); });
    // Counted as relayed, not derived from today's node count: a counter never goes down.
    m_metrics.add("duplex_events_out_total", metrics::Metrics::Kind::Counter, "Event frames relayed to nodes.",
                  [this] { return double(m_eventsRelayed); });
    m_metrics.add("duplex_bytes_out_total", metrics::Metrics::Kind::Counter, "Bytes written to nodes.",
                  [this] { return double(m_bytesOut); });
    m_metrics.add("duplex_frames_rejected_total", metrics::Metrics::Kind::Counter,
                  "Bus frames refused as malformed.", [this] { return double(m_framesRejected); });
    m_metrics.add("duplex_bus_connections_refused_total", metrics::Metrics::Kind::Counter,
                  "Bus connections closed at once: too many were waiting for their hello.",
                  [this] { return double(m_connectionsRefused); });
}

BrokerServer::~BrokerServer() = default;

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
    QJsonObject heads;
    for (auto it = m_channels.cbegin(); it != m_channels.cend(); ++it)
        heads.insert(it.key(), it->head());
    const QByteArray line = encodeLine({{QStringLiteral("op"), QStringLiteral("ready")},
                                        {QStringLiteral("heads"), heads},
                                        {QStringLiteral("history"), m_historyCapacity}});
    session.socket->write(line);
    emit nodeAuthenticated(name);
}

void BrokerServer::handlePublish(Session &session, const QJsonObject &frame)
{
    PublishFrame publish;
    if (!decodePublish(frame, &publish)) {
        ++m_framesRejected;
        qWarning("broker: node %s published a malformed event (ref %lld)", qPrintable(session.name), publish.ref);
        return;
    }
    const qint64 ref = publish.ref;
    protocol::Event &event = publish.event;
    event.ts = QDateTime::currentMSecsSinceEpoch();
    const protocol::Sequenced &sequenced = channel(event.channel).sequence(std::move(event));
    ++m_eventsSequenced;
    const QByteArray line = encodeEventLine(sequenced, session.name, ref);
    for (auto &entry : m_sessions) {
        if (!entry.second.authenticated)
            continue;
        entry.second.socket->write(line);
        m_bytesOut += quint64(line.size());
        ++m_eventsRelayed;
    }
}

void BrokerServer::handleHistory(Session &session, const QJsonObject &frame)
{
    HistoryRequest request;
    if (!decodeHistoryRequest(frame, &request)) {
        ++m_framesRejected;
        qWarning("broker: node %s sent a malformed history request", qPrintable(session.name));
        return;
    }
    log::ChannelLog &log = channel(request.channel);
    log::ChannelLog::Range range = log.since(request.since, request.limit);
    // Keep a reply line bounded in bytes too: a client asks again from where it ends.
    qint64 bytes = 0;
    for (size_t i = 0; i < range.events.size(); ++i) {
        bytes += range.events[i].json.size() + 1;
        if (bytes > kHistoryReplyBytes && i > 0) {
            range.events.resize(i);
            range.more = true;
            break;
        }
    }
    const QByteArray line = encodeHistoryLine(request.ref, request.channel, log.head(), range);
    session.socket->write(line);
    m_bytesOut += quint64(line.size());
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

log::ChannelLog &BrokerServer::channel(const QString &name)
{
    auto it = m_channels.find(name);
    if (it == m_channels.end())
        it = m_channels.insert(name, log::ChannelLog(m_historyCapacity, m_historyBytes));
    return *it;
}

} // namespace duplex::bus
