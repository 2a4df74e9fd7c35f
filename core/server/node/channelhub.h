#pragma once

#include "log/channellog.h"
#include "protocol/event.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <functional>
#include <unordered_map>

namespace duplex::bus {
class BusClient;
struct HistoryReply;
}

namespace duplex::node {

// What every node (WebSocket, Comet) shares: the broker link, a bounded buffer per
// channel, and resume that reads the local buffer first and the broker's history when
// the buffer no longer holds the range.
class ChannelHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChannelHub)

public:
    using SequencedCallback = std::function<void(qint64 seq)>;
    using RangeCallback = std::function<void(const log::ChannelLog::Range &range)>;

    ChannelHub(QString nodeName, QByteArray secret, int bufferCapacity, QObject *parent = nullptr);
    ~ChannelHub() override;

    void connectToBroker(const QHostAddress &address, quint16 port);
    bool isReady() const;
    const QString &nodeName() const { return m_nodeName; }

    // Latest seq this node has seen in a channel.
    qint64 head(const QString &channel) const;

    // Sends an event to be sequenced; `done` (optional) runs with its seq once relayed back.
    void publish(const protocol::Event &event, SequencedCallback done = {});

    // Hands `done` every event after `since`, at most `limit`, with the gap of what the
    // cluster no longer holds; immediately from the local buffer when it can, else from
    // the broker's history. The range is empty when `since` is at or past the head.
    void fetchSince(const QString &channel, qint64 since, int limit, RangeCallback done);

    // The local part of fetchSince(): fills `range` and returns true when this node's
    // buffer holds everything after `since` (or there is nothing after it).
    bool readLocal(const QString &channel, qint64 since, int limit, log::ChannelLog::Range *range) const;

    quint64 eventsReceived() const { return m_eventsReceived; }
    quint64 historyRequests() const { return m_historyRequests; }

signals:
    void ready();
    void failed(const QString &reason);
    // A new event of a channel, already in the local buffer, in seq order.
    void eventSequenced(const protocol::Sequenced &sequenced);

private:
    void handleReady(const QHash<QString, qint64> &heads);
    void handleEvent(const protocol::Sequenced &sequenced, const QString &origin, qint64 ref);
    void handleHistory(const bus::HistoryReply &reply);
    log::ChannelLog &log(const QString &channel);

    QString m_nodeName;
    int m_bufferCapacity;
    bus::BusClient *m_bus;
    QHash<QString, log::ChannelLog> m_logs;
    std::unordered_map<qint64, SequencedCallback> m_pendingPublishes;
    std::unordered_map<qint64, RangeCallback> m_pendingHistory;
    quint64 m_eventsReceived = 0;
    quint64 m_historyRequests = 0;
};

} // namespace duplex::node
