#include "client/websocketclient.h"

#include "protocol/codec.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <QWebSocket>

namespace duplex::client {

WebSocketClient::WebSocketClient(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_retryTimer(new QTimer(this))
    , m_connectTimer(new QTimer(this))
    , m_clientId(m_options.clientId)
    , m_cursor(m_options.since)
{
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &WebSocketClient::open);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, [this] {
        if (m_socket)
            m_socket->abort(); // disconnected follows, which retries
    });
}

WebSocketClient::~WebSocketClient() = default;

void WebSocketClient::start()
{
    if (m_running)
        return;
    m_running = true;
    open();
}

void WebSocketClient::stop()
{
    m_running = false;
    m_retryTimer->stop();
    m_connectTimer->stop();
    if (m_socket) {
        QWebSocket *socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    m_connected = false;
}

void WebSocketClient::open()
{
    if (!m_running)
        return;
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("channel"), m_options.channel);
    if (!m_clientId.isEmpty())
        query.addQueryItem(QStringLiteral("clientId"), m_clientId);
    if (m_cursor >= 0)
        query.addQueryItem(QStringLiteral("since"), QString::number(m_cursor));
    if (!m_options.presence)
        query.addQueryItem(QStringLiteral("presence"), QStringLiteral("0"));
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(m_options.host);
    url.setPort(m_options.port);
    url.setPath(m_options.path);
    url.setQuery(query);

    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &WebSocketClient::handleText);
    connect(m_socket, &QWebSocket::disconnected, this, &WebSocketClient::handleClosed);
    m_connectTimer->start(m_options.connectTimeoutMs);
    m_socket->open(url);
}

void WebSocketClient::handleText(const QString &text)
{
    // A crowd connecting sends every client n^2/2 joins: read those without the parser.
    const protocol::EventParse parsed = protocol::parseEventFast(text.toUtf8());
    if (parsed.status != protocol::EventParse::Status::Ok) {
        emit errorOccurred(QStringLiteral("unparsable frame: %1").arg(parsed.error));
        return;
    }
    const protocol::Event &event = parsed.event;
    switch (event.type) {
    case protocol::EventType::Welcome:
        m_connectTimer->stop();
        m_connected = true;
        m_attempt = 0;
        m_clientId = event.clientId;
        if (m_cursor < 0)
            m_cursor = event.seq;
        emit welcomed(event);
        return;
    case protocol::EventType::Gap:
        m_cursor = std::max(m_cursor, event.to);
        emit gapReceived(event.from, event.to);
        return;
    case protocol::EventType::Ack:
        if (!m_pendingAcks.empty())
            m_pendingAcks.pop_front();
        emit published(event.seq);
        return;
    case protocol::EventType::Error:
        emit errorOccurred(QStringLiteral("%1: %2").arg(event.code, event.message));
        return;
    default:
        break;
    }
    if (event.seq <= m_cursor) {
        ++m_duplicatesDropped;
        return;
    }
    m_cursor = event.seq;
    emit eventReceived(event);
}

void WebSocketClient::handleClosed()
{
    if (!m_socket)
        return;
    const QString reason = m_socket->closeReason().isEmpty()
                               ? m_socket->errorString()
                               : QStringLiteral("closed %1: %2").arg(int(m_socket->closeCode())).arg(m_socket->closeReason());
    m_socket->deleteLater();
    m_socket = nullptr;
    m_connected = false;
    m_connectTimer->stop();
    // Publishes not acked by now may or may not have been sequenced: report, never resend.
    for (size_t i = 0; i < m_pendingAcks.size(); ++i)
        emit publishFailed(QStringLiteral("connection lost before the ack: %1").arg(reason));
    m_pendingAcks.clear();
    if (m_running)
        retry(reason);
}

void WebSocketClient::retry(const QString &reason)
{
    ++m_attempt;
    ++m_reconnects;
    // Exponential backoff, half fixed and half random, so clients dropped together by
    // one node do not all come back in the same millisecond.
    const int ceiling = int(std::min<qint64>(m_options.retryMaxMs, qint64(m_options.retryMinMs) << std::min(m_attempt - 1, 16)));
    const int delay = ceiling / 2 + int(QRandomGenerator::global()->bounded(ceiling / 2 + 1));
    emit reconnecting(m_attempt, reason);
    m_retryTimer->start(delay);
}

void WebSocketClient::publish(const QJsonValue &data)
{
    if (!m_connected || !m_socket) {
        QMetaObject::invokeMethod(this, [this] { emit publishFailed(QStringLiteral("not connected")); },
                                  Qt::QueuedConnection);
        return;
    }
    const qint64 id = m_nextPublishId++;
    QJsonObject frame{{QStringLiteral("type"), QStringLiteral("publish")},
                      {QStringLiteral("data"), data},
                      {QStringLiteral("id"), id}};
    m_pendingAcks.push_back(id);
    m_socket->sendTextMessage(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

} // namespace duplex::client
