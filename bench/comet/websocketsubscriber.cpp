#include "websocketsubscriber.h"

#include "publication.h"

#include "protocol/codec.h"

#include <QWebSocket>

namespace duplex::bench {

WebSocketSubscriber::WebSocketSubscriber(const QUrl &url, const Publication *publication, QObject *parent)
    : BenchSubscriber(publication, parent)
    , m_url(url)
    , m_socket(new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this))
{
    connect(m_socket, &QWebSocket::textMessageReceived, this, &WebSocketSubscriber::handleText);
    // QWebSocket::errorOccurred does not exist in Qt 6.4 (QT64-NOTES.md).
    connect(m_socket, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError) { fail(m_socket->errorString()); });
    connect(m_socket, &QWebSocket::disconnected, this, [this] {
        fail(QStringLiteral("disconnected (close code %1: %2)").arg(int(m_socket->closeCode())).arg(m_socket->closeReason()));
    });
}

WebSocketSubscriber::~WebSocketSubscriber()
{
    // The bench is done with us: a closing socket must not report a failure any more.
    m_socket->disconnect(this);
}

void WebSocketSubscriber::open()
{
    m_socket->open(m_url);
}

void WebSocketSubscriber::handleText(const QString &text)
{
    // Read the clock first: parsing is part of what the receiver pays.
    const qint64 nowNs = publication()->clock.nsecsElapsed();
    const protocol::EventParse parsed = protocol::parseEvent(text.toUtf8());
    if (parsed.status != protocol::EventParse::Status::Ok) {
        countUnexpected();
        return;
    }
    if (parsed.event.type == protocol::EventType::Welcome)
        handleWelcome(parsed.event.node);
    else
        handleEvent(parsed.event, nowNs);
}

} // namespace duplex::bench
