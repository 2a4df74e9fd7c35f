#include "client/websocketclient.h"

#include "protocol/codec.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <QWebSocket>

namespace duplex::client {

WebSocketClient::WebSocketClient(Options options, QObject *parent)
    : ChannelClient(parent)
    , m_options(std::move(options))
    , m_connectTimer(new QTimer(this))
{
    adoptPlaceFromOptions();
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
    cancelRetry();
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
    if (!clientId().isEmpty())
        query.addQueryItem(QStringLiteral("clientId"), clientId());
    if (cursor() >= 0)
        query.addQueryItem(QStringLiteral("since"), QString::number(cursor()));
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
        acceptWelcome(event);
        return;
    case protocol::EventType::Ack:
        if (!m_pendingAcks.empty())
            m_pendingAcks.pop_front();
        emit published(event.seq);
        return;
    case protocol::EventType::Error:
        emit errorOccurred(QStringLiteral("%1: %2").arg(event.code, event.message));
        return;
    default: // a gap, or an event with a seq
        acceptEvent(event);
        return;
    }
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
        scheduleRetry(reason);
}

void WebSocketClient::retry()
{
    open();
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
