#pragma once

#include "log/historystore.h"
#include "protocol/event.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonValue>
#include <QObject>
#include <QStringList>

#include <functional>
#include <unordered_map>
#include <vector>

class QTimer;

namespace duplex::bus {
class BusClient;
struct HistoryReply;
}

namespace duplex::node {

// What every node (WebSocket, Comet) shares: the broker link, a bounded buffer per
// channel, and resume that reads the local buffer first and the broker's history when
// the buffer no longer holds the range.
//
// The link may drop (the broker cut off a node that stopped reading, a network hiccup):
// the hub keeps its clients, reconnects with backoff, and on `ready` re-syncs every channel
// it holds that fell behind, from the broker's history and in seq order, holding back that
// channel's live events until then, so each event is announced once and in order. Only a
// node that never joined, or that has no broker for maxOutageMs, fails.
//
// A node knows only the channels in use: one with no subscriber (as the surface says) and
// no event for idleLimitMs is forgotten, name and head, so a flood of channel names
// costs the node nothing lasting. A channel it does not know has its head looked up from
// the broker before a client is told where it stands (withHead()).
class ChannelHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChannelHub)

public:
    // How a publish ended: sequenced (seq > 0), or not, because the link was down or went
    // down before the broker's answer came (the client may retry with the same id).
    struct PublishOutcome
    {
        qint64 seq = 0;
        QString unavailable; // why it was not sequenced, when seq is 0
        bool sequenced() const { return seq > 0; }
    };
    using SequencedCallback = std::function<void(const PublishOutcome &outcome)>;
    using RangeCallback = std::function<void(const log::ChannelLog::Range &range)>;
    using HeadCallback = std::function<void(qint64 head)>;
    using InUse = std::function<bool(const QString &channel)>;

    // A broker gone this long (60 s) is taken as gone for good: `failed`.
    static constexpr int kDefaultMaxOutageMs = 60000;
    // A channel without subscribers and events this long (5 minutes) is forgotten.
    static constexpr int kDefaultIdleLimitMs = 300000;

    // The local buffer: per channel at most `bufferCapacity` events and `bufferBytes` of
    // their JSON, over all channels at most `bufferTotalBytes` (log::HistoryStore).
    ChannelHub(QString nodeName, QByteArray secret, int bufferCapacity,
               qint64 bufferBytes = std::numeric_limits<qint64>::max(),
               qint64 bufferTotalBytes = std::numeric_limits<qint64>::max(), QObject *parent = nullptr);
    ~ChannelHub() override;

    void connectToBroker(const QHostAddress &address, quint16 port);
    void setMaxOutageMs(int ms) { m_maxOutageMs = ms; }
    // How long a channel nobody uses is kept (default kDefaultIdleLimitMs), and how the
    // surface tells which channels have subscribers (none, until set).
    void setIdleLimitMs(int ms);
    void setInUse(InUse inUse) { m_inUse = std::move(inUse); }
    // The link is up and every channel caught up with the broker.
    bool isReady() const;
    bool isLinkUp() const { return m_linkUp; }
    const QString &nodeName() const { return m_nodeName; }

    // Whether this node knows the channel's head (it is in use, or was lately).
    bool knows(const QString &channel) const { return m_store.knows(channel); }
    // Latest seq this node has seen in a channel (0 for one it does not know).
    qint64 head(const QString &channel) const;
    // Runs `done` with the channel's head: at once when this node knows the channel, else
    // once the broker has said it (asked when the link is up). Afterwards the channel is
    // known until it is idle again.
    void withHead(const QString &channel, HeadCallback done);

    // Sends an event to be sequenced, with the client's `id` when it gave one; `done`
    // (optional) runs once with its outcome: its seq once relayed back (a retry of an id
    // sequenced within 5 minutes: the first seq), or unavailable (at once when the link
    // is down).
    void publish(const protocol::Event &event, SequencedCallback done = {},
                 const QJsonValue &id = QJsonValue::Undefined);

    // Hands `done` every event after `since`, at most `limit`, with the gap of what the
    // cluster no longer holds; immediately from the local buffer when it can, else from
    // the broker's history (asked once the link is up again when it is down). The range is
    // empty when `since` is at or past the head.
    void fetchSince(const QString &channel, qint64 since, int limit, RangeCallback done);

    // The local part of fetchSince(): fills `range` and returns true when this node knows
    // the channel and its buffer holds everything after `since` (or there is nothing
    // after it).
    bool readLocal(const QString &channel, qint64 since, int limit, log::ChannelLog::Range *range) const;

    quint64 eventsReceived() const { return m_eventsReceived; }
    const log::HistoryStore &store() const { return m_store; }
    quint64 historyRequests() const { return m_historyRequests; }
    quint64 reconnects() const { return m_reconnects; }
    quint64 publishesUnavailable() const { return m_publishesUnavailable; }
    quint64 eventsBackfilled() const { return m_eventsBackfilled; }
    quint64 channelsEvicted() const { return m_channelsEvicted; }
    quint64 headLookups() const { return m_headLookups; }

signals:
    // The link is ready: at start, and again after each reconnect.
    void ready();
    // The link dropped; the hub is reconnecting.
    void linkLost(const QString &reason);
    // Every channel behind after a reconnect has caught up.
    void resynced();
    // No first `ready`, or no broker for maxOutageMs: the node cannot serve.
    void failed(const QString &reason);
    // A new event of a channel, already in the local buffer, in seq order.
    void eventSequenced(const protocol::Sequenced &sequenced);
    // Events `from`..`to` of a channel are lost to this node (the broker no longer held
    // them when it re-synced); announced before the events after them.
    void gapped(const QString &channel, qint64 from, qint64 to);

private:
    struct HistoryRequest
    {
        QString channel;
        qint64 since = 0;
        int limit = 0;
        RangeCallback done;
    };
    // A channel behind the broker after a reconnect: fetched up to `target`, its live
    // events held until then.
    struct Backfill
    {
        qint64 target = 0;
        std::vector<protocol::Sequenced> held;
    };

    void handleReady(const QHash<QString, qint64> &heads);
    void handleLinkFailed(const QString &reason);
    void handleEvent(const protocol::Sequenced &sequenced, const QString &origin, qint64 ref);
    void handleHistory(const bus::HistoryReply &reply);
    void handleBackfill(const bus::HistoryReply &reply);
    void handleLookup(const bus::HistoryReply &reply);
    void handlePublishRejected(qint64 ref, const QString &reason);
    void handlePublishDuplicated(qint64 ref, qint64 seq);
    // Runs and forgets the callback of publish `ref`, if it has one.
    void answerPublish(qint64 ref, const PublishOutcome &outcome);
    void sendLookup(const QString &channel);
    // Forgets the channels nobody uses that had no event for the idle limit.
    void evictIdle();
    void touch(const QString &channel);
    void sendHistoryRequest(HistoryRequest request);
    void requestNextBackfill();
    void finishBackfill(const QString &channel);
    // Buffers and announces an event (the one path every event takes to the surfaces).
    void deliver(const protocol::Sequenced &sequenced);

    QString m_nodeName;
    bus::BusClient *m_bus;
    QTimer *m_reconnectTimer;
    QTimer *m_handshakeTimer;
    QTimer *m_evictTimer;
    int m_idleLimitMs = kDefaultIdleLimitMs;
    InUse m_inUse;
    int m_maxOutageMs = kDefaultMaxOutageMs;
    bool m_linkUp = false;
    bool m_everReady = false;
    int m_attempt = 0;          // reconnects tried in this outage
    qint64 m_outageStartMs = 0; // monotonic
    log::HistoryStore m_store;
    std::unordered_map<qint64, SequencedCallback> m_pendingPublishes;
    std::unordered_map<qint64, HistoryRequest> m_pendingHistory;
    std::vector<HistoryRequest> m_queuedHistory; // asked while the link was down
    QHash<QString, Backfill> m_backfills;
    QStringList m_backfillQueue; // one channel fetched at a time: replies stay small
    qint64 m_backfillRef = 0;    // the request in flight, 0 when none
    // Every channel the store knows, with when it last had an event or was looked up
    // (monotonic ms).
    QHash<QString, qint64> m_lastActiveMs;
    // Head lookups: the callbacks waiting per channel (one request each), and the
    // requests in flight by ref. Bounded by the clients waiting for them.
    QHash<QString, std::vector<HeadCallback>> m_lookups;
    QHash<qint64, QString> m_lookupRefs;
    quint64 m_eventsReceived = 0;
    quint64 m_historyRequests = 0;
    quint64 m_reconnects = 0;
    quint64 m_publishesUnavailable = 0;
    quint64 m_eventsBackfilled = 0;
    quint64 m_channelsEvicted = 0;
    quint64 m_headLookups = 0;
};

} // namespace duplex::node
