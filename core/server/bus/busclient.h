#pragma once

#include "bus/busframe.h"
#include "protocol/event.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

class QTcpSocket;

namespace duplex::bus {

// A node's link to the broker: authenticates with the cluster secret, sends events to be
// sequenced and history requests, and turns the broker's lines into signals. After
// `failed` the link is closed; connectToBroker() again starts a new one (refs keep
// counting up, so a reply to the old link never matches a request of the new one).
class BusClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BusClient)

public:
    BusClient(QString nodeName, QByteArray secret, QObject *parent = nullptr);

    void connectToBroker(const QHostAddress &address, quint16 port);
    // Connects again to the last address, dropping whatever the old link still held.
    void reconnect();
    bool isReady() const { return m_ready; }

    // Sends an unsequenced event, with the client's `id` when it gave one; the broker
    // relays it back with this ref, rejects it (publishRejected), or answers that it
    // retried one already sequenced (publishDuplicated). Returns the ref.
    qint64 publish(const protocol::Event &event, const QJsonValue &id = QJsonValue::Undefined);
    // Asks for a channel's history after `since`; the reply carries the returned ref. A
    // `limit` of 0 asks for the channel's head alone.
    qint64 requestHistory(const QString &channel, qint64 since, int limit);

signals:
    // The handshake is complete: every channel's head at that point of the stream.
    void ready(const QHash<QString, qint64> &heads);
    void failed(const QString &reason);
    void eventReceived(const protocol::Sequenced &sequenced, const QString &origin, qint64 ref);
    void historyReceived(const duplex::bus::HistoryReply &reply);
    void publishRejected(qint64 ref, const QString &reason);
    void publishDuplicated(qint64 ref, qint64 seq);

private:
    void handleConnected();
    void handleReadyRead();
    void handleLine(const QByteArray &line);
    void fail(const QString &reason);
    qint64 send(const QJsonObject &frame);

    QString m_nodeName;
    QByteArray m_secret;
    QTcpSocket *m_socket;
    bool m_ready = false;
    bool m_failed = false;
    qint64 m_nextRef = 1;
    QHostAddress m_address;
    quint16 m_port = 0;
    QHash<QString, qint64> m_heads; // from `heads` lines, until `ready`
};

} // namespace duplex::bus
