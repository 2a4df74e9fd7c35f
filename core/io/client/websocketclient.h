#pragma once

#include "client/channelclient.h"

#include <QString>

#include <deque>

class QTimer;
class QWebSocket;

namespace duplex::client {

// A WebSocket subscriber and publisher of one channel (CONTRACT.md, "WebSocket") that
// survives its node: when the connection drops it reconnects with backoff, keeping its
// clientId and resuming with `since`, so it neither loses nor repeats events the cluster
// still holds. The counterpart of CometClient.
class WebSocketClient final : public ChannelClient
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebSocketClient)

public:
    struct Options : ChannelClient::Options
    {
        QString path = QStringLiteral("/ws/");
        int connectTimeoutMs = 10000;
    };

    explicit WebSocketClient(Options options, QObject *parent = nullptr);
    ~WebSocketClient() override;

    // Connects, then stays connected (reconnecting as needed) until stop().
    void start() override;
    // Closes the connection; nothing is emitted afterwards.
    void stop() override;
    // Publishes `data` with an id; answered by published(seq) once the node acks it, or
    // publishFailed when the connection is down (a publish is never resent: it could
    // have been sequenced already).
    void publish(const QJsonValue &data) override;

    bool isConnected() const { return m_connected; }
    const Options &options() const override { return m_options; }

protected:
    // Reconnects.
    void retry() override;

private:
    void open();
    void handleText(const QString &text);
    void handleClosed();

    Options m_options;
    QWebSocket *m_socket = nullptr;
    QTimer *m_connectTimer;
    bool m_running = false;
    bool m_connected = false;
    qint64 m_nextPublishId = 1;
    std::deque<qint64> m_pendingAcks; // publish ids waiting for their ack, in order
};

} // namespace duplex::client
