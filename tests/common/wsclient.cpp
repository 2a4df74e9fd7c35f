#include "wsclient.h"

#include "protocol/codec.h"

#include <QTest>

using duplex::protocol::Event;
using duplex::protocol::EventType;

WsClient::WsClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        const duplex::protocol::EventParse parsed = duplex::protocol::parseEvent(text.toUtf8());
        if (parsed.status == duplex::protocol::EventParse::Status::Ok)
            m_events.append(parsed.event);
        else
            ++m_unparsed;
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        m_disconnected = true;
        m_closeCode = m_socket.closeCode();
    });
}

bool WsClient::open(const QUrl &url, int timeoutMs)
{
    m_socket.open(url);
    return QTest::qWaitFor([this] { return count(EventType::Welcome) > 0 || m_disconnected; }, timeoutMs)
        && count(EventType::Welcome) > 0;
}

void WsClient::send(const QString &text)
{
    m_socket.sendTextMessage(text);
}

void WsClient::sendBinary(const QByteArray &bytes)
{
    m_socket.sendBinaryMessage(bytes);
}

void WsClient::close()
{
    m_socket.close();
    if (!QTest::qWaitFor([this] { return m_disconnected; }, 3000))
        qWarning("WsClient: no close from the server within 3 s");
}

QList<Event> WsClient::eventsOfType(EventType type) const
{
    QList<Event> out;
    for (const Event &e : m_events) {
        if (e.type == type)
            out.append(e);
    }
    return out;
}

Event WsClient::welcome() const
{
    const QList<Event> list = eventsOfType(EventType::Welcome);
    return list.isEmpty() ? Event() : list.first();
}

qint64 WsClient::lastSeq() const
{
    qint64 seq = welcome().seq;
    for (const Event &e : m_events) {
        if (e.isSequenced())
            seq = std::max(seq, e.seq);
    }
    return seq;
}

QUrl wsUrl(quint16 port, const QString &query)
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/?%2").arg(port).arg(query));
}
