#pragma once

#include "protocol/event.h"

#include <QJsonValue>
#include <QObject>
#include <QString>

#include <deque>

class QTimer;
class QWebSocket;

namespace duplex::client {

// A WebSocket subscriber and publisher of one channel (CONTRACT.md, "WebSocket") that
// survives its node: when the connection drops it reconnects with backoff, keeping its
// clientId and resuming with `since`, so it neither loses nor repeats events the cluster
// still holds. The counterpart of CometClient, with the same signals.
class WebSocketClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebSocketClient)

public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 8080;
        QString path = QStringLiteral("/ws/");
        QString channel = QStringLiteral("main");
        QString clientId; // empty: the server assigns one in the welcome
        qint64 since = -1; // -1: live from the welcome on
        int connectTimeoutMs = 10000;
        int retryMinMs = 100;
        int retryMaxMs = 5000;
        bool presence = true; // false: messages only, no join/leave (presence=0)
    };

    explicit WebSocketClient(Options options, QObject *parent = nullptr);
    ~WebSocketClient() override;

    // Connects, then stays connected (reconnecting as needed) until stop().
    void start();
    // Closes the connection; nothing is emitted afterwards.
    void stop();
    // Publishes `data` with an id; answered by published(seq) once the node acks it, or
    // publishFailed when the connection is down (a publish is never resent: it could
    // have been sequenced already).
    void publish(const QJsonValue &data);

    bool isConnected() const { return m_connected; }
    QString clientId() const { return m_clientId; }
    qint64 cursor() const { return m_cursor; }
    qint64 duplicatesDropped() const { return m_duplicatesDropped; }
    qint64 reconnects() const { return m_reconnects; }

signals:
    void welcomed(const duplex::protocol::Event &welcome);
    void eventReceived(const duplex::protocol::Event &event);
    void gapReceived(qint64 from, qint64 to);
    void published(qint64 seq);
    void publishFailed(const QString &reason);
    void reconnecting(int attempt, const QString &reason);
    void errorOccurred(const QString &message);

private:
    void open();
    void handleText(const QString &text);
    void handleClosed();
    void retry(const QString &reason);

    Options m_options;
    QWebSocket *m_socket = nullptr;
    QTimer *m_retryTimer;
    QTimer *m_connectTimer;
    QString m_clientId;
    qint64 m_cursor = -1;
    bool m_running = false;
    bool m_connected = false;
    int m_attempt = 0;
    qint64 m_nextPublishId = 1;
    std::deque<qint64> m_pendingAcks; // publish ids waiting for their ack, in order
    qint64 m_duplicatesDropped = 0;
    qint64 m_reconnects = 0;
};

} // namespace duplex::client
