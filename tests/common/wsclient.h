#pragma once

#include "protocol/event.h"

#include <QList>
#include <QObject>
#include <QUrl>
#include <QWebSocket>

// A test's WebSocket client: connects, keeps every event it receives (parsed), and
// remembers how the server closed the connection.
class WsClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WsClient)

public:
    explicit WsClient(QObject *parent = nullptr);

    // Connects and waits for the welcome; false on timeout or refusal.
    bool open(const QUrl &url, int timeoutMs = 5000);
    void send(const QString &text);
    void sendBinary(const QByteArray &bytes);
    void close();

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    const QList<duplex::protocol::Event> &events() const { return m_events; }
    QList<duplex::protocol::Event> eventsOfType(duplex::protocol::EventType type) const;
    int count(duplex::protocol::EventType type) const { return int(eventsOfType(type).size()); }
    duplex::protocol::Event welcome() const;
    qint64 lastSeq() const;
    int closeCode() const { return m_closeCode; }
    bool disconnected() const { return m_disconnected; }
    int unparsed() const { return m_unparsed; }

private:
    QWebSocket m_socket;
    QList<duplex::protocol::Event> m_events;
    int m_closeCode = -1;
    bool m_disconnected = false;
    int m_unparsed = 0;
};

// ws://127.0.0.1:<port>/ws/?<query>
QUrl wsUrl(quint16 port, const QString &query = QStringLiteral("channel=main"));
