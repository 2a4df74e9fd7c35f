#pragma once

#include "metrics/metrics.h"
#include "protocol/event.h"
#include "util/tokenbucket.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <memory>
#include <unordered_map>
#include <vector>

class QTcpServer;
class QTimer;
class QWebSocket;
class QWebSocketServer;

namespace duplex::node {

class ChannelHub;

// The WebSocket surface of CONTRACT.md over a ChannelHub: welcome, publish (JSON or plain
// text) with ack, resume with `since`, join/leave, errors, size and type limits, and
// protection of everyone else from floods and slow readers.
class WebSocketNode final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebSocketNode)

public:
    struct Limits
    {
        qint64 maxMessageBytes = 64 * 1024;
        double publishRate = 1000;          // publishes per second per client (0 = no limit)
        double publishBurst = 2000;
        qint64 maxUnsentBytes = 8 * 1024 * 1024; // a reader this far behind is closed
        int pingIntervalMs = 30000;
    };

    WebSocketNode(ChannelHub *hub, Limits limits, QObject *parent = nullptr);
    ~WebSocketNode() override;

    quint16 listen(const QHostAddress &address, quint16 port, QString *error);
    int connectionCount() const { return int(m_clients.size()); }
    void registerMetrics(metrics::Metrics &metrics);

private:
    struct Client
    {
        QWebSocket *socket = nullptr;
        QString id;
        QString channel;
        qint64 lastSent = 0;   // highest seq sent to this client
        bool resuming = false; // catching up: live events wait for the catch-up
        bool closing = false;
        bool presence = true;  // false: join and leave are not sent (presence=0)
        util::TokenBucket bucket;
    };

    void handleTcpConnection();
    void handleWebSocket();
    void handleText(Client *client, const QString &text);
    void handleDisconnected(QWebSocket *socket);
    void handleEventSequenced(const protocol::Sequenced &sequenced);
    void handleGap(const QString &channel, qint64 from, qint64 to);
    void continueResume(QWebSocket *socket);
    void sendEvent(Client *client, const protocol::Sequenced &sequenced);
    void sendFrame(Client *client, const QByteArray &json);
    void closeLater(Client *client, int code, const QString &reason);
    void pingAll();
    Client *find(QWebSocket *socket);

    ChannelHub *m_hub;
    Limits m_limits;
    QTcpServer *m_tcp = nullptr;
    QWebSocketServer *m_server;
    QTimer *m_pingTimer;
    std::unordered_map<QWebSocket *, std::unique_ptr<Client>> m_clients;
    QHash<QString, std::vector<Client *>> m_subscribers;

    quint64 m_publishes = 0;
    quint64 m_framesOut = 0;
    quint64 m_bytesOut = 0;
    quint64 m_badFrames = 0;
    quint64 m_rateLimited = 0;
    quint64 m_slowClosed = 0;
    quint64 m_accepted = 0;
};

} // namespace duplex::node
