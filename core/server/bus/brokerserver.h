#pragma once

#include "metrics/metrics.h"
#include "log/historystore.h"
#include "log/publishdedupe.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <limits>
#include <map>
#include <memory>

class QTcpServer;
class QTcpSocket;

namespace duplex::bus {

// A node that has not read this much of what the broker sent it is dropped: see
// docs/PROTOCOL.md for why 64 MiB.
inline constexpr qint64 kDefaultMaxNodeLag = 64 * 1024 * 1024;
// Channels per `heads` line: at most ~90 KiB a line (64-character names), far below the
// bus's 16 MiB, whatever the channel count.
inline constexpr int kDefaultHeadsChunk = 1000;
// Channels the broker numbers at most: see docs/PROTOCOL.md for why 100,000.
inline constexpr int kDefaultMaxChannels = 100000;
// Bytes of publish ids remembered for deduplication: see docs/PROTOCOL.md for why 64 MiB.
inline constexpr qint64 kDefaultDedupeBytes = 64 * 1024 * 1024;

// The cluster's sequencer (the thesis's "messaging service"): nodes connect over loopback
// and prove they hold the cluster secret; every event a node publishes gets the next seq
// of its channel, is stored in a bounded history and is relayed to every node.
class BrokerServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BrokerServer)

public:
    // History per channel: at most `historyCapacity` events and `historyBytes` of their JSON;
    // over all channels at most `historyTotalBytes`.
    BrokerServer(QByteArray secret, int historyCapacity, qint64 historyBytes = std::numeric_limits<qint64>::max(),
                 qint64 historyTotalBytes = std::numeric_limits<qint64>::max(), QObject *parent = nullptr);
    ~BrokerServer() override;

    // The most a node's link may hold unsent, in bytes, before the node is dropped
    // (default kDefaultMaxNodeLag); a dropped node reconnects and catches up from history.
    void setMaxNodeLag(qint64 bytes) { m_maxNodeLag = bytes; }
    // Channels per `heads` line of the handshake (default kDefaultHeadsChunk).
    void setHeadsChunk(int channels) { m_headsChunk = channels; }
    // The most channels numbered (default kDefaultMaxChannels): past it a publish to a new
    // channel is rejected. A channel, once numbered, keeps its head for good: forgetting
    // it would number it from 1 again under clients that hold its seqs.
    void setMaxChannels(int channels) { m_maxChannels = channels; }
    // Bytes of publish ids remembered for their 5 minutes (default kDefaultDedupeBytes).
    void setDedupeBytes(qint64 bytes);

    quint16 listen(const QHostAddress &address, quint16 port, QString *error);

    int nodeCount() const;
    metrics::Metrics &metrics() { return m_metrics; }

signals:
    void nodeAuthenticated(const QString &name);
    void nodeRefused(const QString &peer, const QString &reason);
    void nodeDisconnected(const QString &name);
    // A node whose backlog passed the bound was cut off (and did not get nodeDisconnected).
    void nodeDropped(const QString &name, const QString &reason);

private:
    struct Session
    {
        QTcpSocket *socket = nullptr;
        QString name;
        bool authenticated = false;
        // The handshake's bytes, allowed on top of the bound until the backlog is first
        // under it again: the handshake grows with the channel count, and a node must be
        // able to join however many channels there are.
        qint64 handshakeBytes = 0;
    };

    void handleNewConnection();
    void handleReadyRead(QTcpSocket *socket);
    void handleDisconnected(QTcpSocket *socket);
    void handleFrame(Session &session, const QByteArray &line);
    void handleHello(Session &session, const QJsonObject &frame);
    void handlePublish(Session &session, const QJsonObject &frame);
    void handleHistory(Session &session, const QJsonObject &frame);
    void refuse(Session &session, const QString &reason);
    // Tells the node its publish `ref` was not sequenced, and why.
    void reject(Session &session, qint64 ref, const QString &reason);
    // Writes a line meant for one node (an answer), then checks its backlog.
    void writeTo(QTcpSocket *socket, const QByteArray &line);
    // Past the bound once the kernel has taken what it will? Clears the handshake allowance
    // once the backlog is under the bound.
    bool isLagging(Session &session);
    // Checks `socket`'s backlog after a write and drops its node when it is past the bound.
    void dropIfLagging(QTcpSocket *socket);
    void drop(QTcpSocket *socket, const QString &reason);
    qint64 largestBacklog() const;

    QByteArray m_secret;
    int m_historyCapacity;
    qint64 m_maxNodeLag = kDefaultMaxNodeLag;
    int m_headsChunk = kDefaultHeadsChunk;
    int m_maxChannels = kDefaultMaxChannels;
    QTcpServer *m_server = nullptr;
    std::map<QTcpSocket *, Session> m_sessions;
    log::HistoryStore m_history;
    std::unique_ptr<log::PublishDedupe> m_dedupe;
    metrics::Metrics m_metrics;
    quint64 m_eventsSequenced = 0;
    quint64 m_eventsRelayed = 0; // event frames written to nodes
    quint64 m_bytesOut = 0;
    quint64 m_framesRejected = 0;
    quint64 m_publishesRejected = 0;  // new channels past m_maxChannels
    quint64 m_publishesDeduplicated = 0;
    quint64 m_connectionsRefused = 0; // closed at once: too many waiting for their hello
    quint64 m_nodesDropped = 0;       // cut off: backlog past m_maxNodeLag
};

} // namespace duplex::bus
