#pragma once

#include "metrics/metrics.h"
#include "log/historystore.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <limits>
#include <map>

class QTcpServer;
class QTcpSocket;

namespace duplex::bus {

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

    quint16 listen(const QHostAddress &address, quint16 port, QString *error);

    int nodeCount() const;
    metrics::Metrics &metrics() { return m_metrics; }

signals:
    void nodeAuthenticated(const QString &name);
    void nodeRefused(const QString &peer, const QString &reason);
    void nodeDisconnected(const QString &name);

private:
    struct Session
    {
        QTcpSocket *socket = nullptr;
        QString name;
        bool authenticated = false;
    };

    void handleNewConnection();
    void handleReadyRead(QTcpSocket *socket);
    void handleDisconnected(QTcpSocket *socket);
    void handleFrame(Session &session, const QByteArray &line);
    void handleHello(Session &session, const QJsonObject &frame);
    void handlePublish(Session &session, const QJsonObject &frame);
    void handleHistory(Session &session, const QJsonObject &frame);
    void refuse(Session &session, const QString &reason);

    QByteArray m_secret;
    int m_historyCapacity;
    QTcpServer *m_server = nullptr;
    std::map<QTcpSocket *, Session> m_sessions;
    log::HistoryStore m_history;
    metrics::Metrics m_metrics;
    quint64 m_eventsSequenced = 0;
    quint64 m_eventsRelayed = 0; // event frames written to nodes
    quint64 m_bytesOut = 0;
    quint64 m_framesRejected = 0;
    quint64 m_connectionsRefused = 0; // closed at once: too many waiting for their hello
};

} // namespace duplex::bus
