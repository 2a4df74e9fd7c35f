#pragma once

#include "metrics/metrics.h"
#include "node/outboundlag.h"
#include "protocol/event.h"
#include "util/tokenbucket.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <deque>
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
// protection of everyone else from floods and slow readers: what waits unsent for a
// client is measured in time (OutboundLag) and bytes, per client and for the whole node.
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
        qint64 maxLagMs = 10000;                      // a reader whose oldest unsent byte is older is closed
        qint64 maxBacklogBytes = 64 * 1024 * 1024;  // unsent bytes of one connection, whatever their age
        qint64 maxOutboundBytes = 256 * 1024 * 1024; // unsent bytes of all connections together
        int maxConnections = 10000;
        int maxPerAddress = 1000;  // connections from one source address (loopback: no limit)
        int presenceLimit = 1000; // more members on this node: join and leave are not sent
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
        Client(QWebSocket *s, util::TokenBucket b) : socket(s), bucket(b) {}

        QWebSocket *socket = nullptr;
        QString id;
        QString channel;
        QString address;       // counted in m_perAddress; empty when not limited
        qint64 lastSent = 0;   // highest seq sent to this client
        bool resuming = false; // catching up: live events wait for the catch-up
        bool closing = false;
        bool presence = true;  // false: join and leave are not sent (presence=0)
        bool joined = false;   // welcomed and announced: its leave is owed
        bool fetching = false; // a resume slice was asked for and has not come yet
        util::TokenBucket bucket;
        quint64 written = 0;   // bytes the socket has written, every kind of frame
        OutboundLag lag;
        // The fetched part of a resume not yet sent: it goes out as the client reads, so
        // a large resume never sits in the socket's buffer at once.
        std::deque<protocol::Sequenced> resumeQueue;
    };

    void handleTcpConnection();
    void handleWebSocket();
    // Welcomes a client once its channel's head is known, announces it, starts its resume.
    void subscribe(Client *client, qint64 since, qint64 head);
    void handleText(Client *client, const QString &text);
    void handleDisconnected(QWebSocket *socket);
    void handleEventSequenced(const protocol::Sequenced &sequenced);
    void handleGap(const QString &channel, qint64 from, qint64 to);
    void continueResume(QWebSocket *socket);
    void sendEvent(Client *client, const protocol::Sequenced &sequenced);
    // Sends unless the client is closing, then closes it if past --max-backlog.
    void sendFrame(Client *client, const QByteArray &json);
    // Sends, and counts, whatever the state: for the frames that go out with a close.
    void writeFrame(Client *client, const QByteArray &json);
    void closeLater(Client *client, int code, const QString &reason);
    void closeSlow(Client *client, const QString &reason);
    // A connection past --max-connections or --max-per-address: `unavailable`, then 1008.
    void refuseConnection(Client *client, const QString &message);
    void handleBytesWritten(QWebSocket *socket, qint64 bytes);
    void checkBacklogs();
    bool presenceSent(const Client *client) const;
    void pingAll();
    Client *find(QWebSocket *socket);

    ChannelHub *m_hub;
    Limits m_limits;
    QTcpServer *m_tcp = nullptr;
    QWebSocketServer *m_server;
    QTimer *m_pingTimer;
    QTimer *m_backlogTimer;
    std::unordered_map<QWebSocket *, std::unique_ptr<Client>> m_clients;
    QHash<QString, std::vector<Client *>> m_subscribers;
    QHash<QString, int> m_perAddress; // connections by source address, none at 0

    quint64 m_publishes = 0;
    quint64 m_framesOut = 0;
    quint64 m_bytesOut = 0;
    quint64 m_badFrames = 0;
    quint64 m_rateLimited = 0;
    quint64 m_slowClosed = 0;
    quint64 m_accepted = 0;
    quint64 m_refusedFull = 0; // connections refused: the node held maxConnections
    qint64 m_outboundBytes = 0; // unsent bytes of every connection, at the last check
    qint64 m_maxLagMs = 0;      // the largest lag, at the last check
};

} // namespace duplex::node
