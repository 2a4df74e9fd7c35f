#include "node/channelhub.h"

#include "bus/busclient.h"
#include "client/backoff.h"
#include "util/monotonic.h"

#include <QTimer>

#include <algorithm>

namespace duplex::node {

namespace {
// Reconnect delays: the first within 100 ms (a dropped node has events to catch up on),
// then doubling to 2 s, so a broker that is back is found within 2 s.
constexpr int kReconnectMinMs = 100;
constexpr int kReconnectMaxMs = 2000;
// Events per history request of a re-sync, as a resume asks.
constexpr int kBackfillSlice = 1000;
// A reconnect's hello is answered at once by a live broker.
constexpr int kHandshakeTimeoutMs = 5000;
} // namespace

ChannelHub::ChannelHub(QString nodeName, QByteArray secret, int bufferCapacity, qint64 bufferBytes,
                       qint64 bufferTotalBytes, QObject *parent)
    : QObject(parent)
    , m_nodeName(std::move(nodeName))
    , m_bus(new bus::BusClient(m_nodeName, std::move(secret), this))
    , m_reconnectTimer(new QTimer(this))
    , m_handshakeTimer(new QTimer(this))
    , m_evictTimer(new QTimer(this))
    , m_store(bufferCapacity, bufferBytes, bufferTotalBytes)
{
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, [this] {
        m_bus->reconnect();
        m_handshakeTimer->start(kHandshakeTimeoutMs);
    });
    // A broker that takes the connection but never answers (stopped, wedged) counts as
    // gone, so the outage limit still applies.
    m_handshakeTimer->setSingleShot(true);
    connect(m_handshakeTimer, &QTimer::timeout, this, [this] {
        if (!m_linkUp)
            handleLinkFailed(QStringLiteral("no ready from the broker within %1 ms").arg(kHandshakeTimeoutMs));
    });
    connect(m_bus, &bus::BusClient::ready, this, &ChannelHub::handleReady);
    connect(m_bus, &bus::BusClient::failed, this, &ChannelHub::handleLinkFailed);
    connect(m_bus, &bus::BusClient::eventReceived, this, &ChannelHub::handleEvent);
    connect(m_bus, &bus::BusClient::historyReceived, this, &ChannelHub::handleHistory);
    connect(m_bus, &bus::BusClient::publishRejected, this, &ChannelHub::handlePublishRejected);
    connect(m_bus, &bus::BusClient::publishDuplicated, this, &ChannelHub::handlePublishDuplicated);
    connect(m_evictTimer, &QTimer::timeout, this, &ChannelHub::evictIdle);
    setIdleLimitMs(kDefaultIdleLimitMs);
}

ChannelHub::~ChannelHub() = default;

void ChannelHub::connectToBroker(const QHostAddress &address, quint16 port)
{
    m_bus->connectToBroker(address, port);
}

void ChannelHub::setIdleLimitMs(int ms)
{
    m_idleLimitMs = ms;
    // A channel goes at most a quarter past its limit; a sweep costs one pass over the
    // channels known, so not more often than 10 times a second.
    m_evictTimer->start(std::clamp(ms / 4, 100, 60000));
}

bool ChannelHub::isReady() const
{
    return m_linkUp && m_backfills.isEmpty();
}

qint64 ChannelHub::head(const QString &channel) const
{
    return m_store.head(channel);
}

void ChannelHub::withHead(const QString &channel, HeadCallback done)
{
    if (m_store.knows(channel)) {
        done(head(channel));
        return;
    }
    auto waiting = m_lookups.find(channel);
    if (waiting != m_lookups.end()) {
        waiting->push_back(std::move(done));
        return;
    }
    std::vector<HeadCallback> callbacks;
    callbacks.push_back(std::move(done));
    m_lookups.insert(channel, std::move(callbacks));
    ++m_headLookups;
    if (m_linkUp)
        sendLookup(channel);
}

void ChannelHub::sendLookup(const QString &channel)
{
    // A history request for no events: its reply's head is the answer. The broker writes
    // every event relayed before it first, so the reply's head is never behind the node.
    m_lookupRefs.insert(m_bus->requestHistory(channel, 0, 0), channel);
}

void ChannelHub::publish(const protocol::Event &event, SequencedCallback done, const QJsonValue &id)
{
    if (!m_linkUp) {
        // Never queued: a publish held here would be acked late or lost with the node;
        // the client retries with the same id instead.
        ++m_publishesUnavailable;
        if (done)
            done({0, QStringLiteral("the message bus is unavailable: retry with the same id")});
        return;
    }
    const qint64 ref = m_bus->publish(event, id);
    if (done)
        m_pendingPublishes.emplace(ref, std::move(done));
}

bool ChannelHub::readLocal(const QString &channel, qint64 since, int limit, log::ChannelLog::Range *range) const
{
    // A channel this node does not know (never used, or forgotten) is the broker's to
    // answer; one whose events were dropped for room covers only what is after its head.
    if (!m_store.knows(channel) || !m_store.covers(channel, since))
        return false;
    *range = m_store.since(channel, since, limit);
    return true;
}

void ChannelHub::fetchSince(const QString &channel, qint64 since, int limit, RangeCallback done)
{
    log::ChannelLog::Range local;
    if (readLocal(channel, since, limit, &local)) {
        done(local);
        return;
    }
    ++m_historyRequests;
    HistoryRequest request{channel, since, limit, std::move(done)};
    if (m_linkUp)
        sendHistoryRequest(std::move(request));
    else
        m_queuedHistory.push_back(std::move(request));
}

void ChannelHub::sendHistoryRequest(HistoryRequest request)
{
    const qint64 ref = m_bus->requestHistory(request.channel, request.since, request.limit);
    m_pendingHistory.emplace(ref, std::move(request));
}

void ChannelHub::handleReady(const QHash<QString, qint64> &heads)
{
    const bool rejoined = m_everReady;
    m_everReady = true;
    m_linkUp = true;
    m_attempt = 0;
    m_handshakeTimer->stop();
    // Only the channels this node knows: any other is looked up when a client asks for it
    // (at the first `ready`, none).
    for (auto it = heads.cbegin(); it != heads.cend(); ++it) {
        if (!m_store.knows(it.key()))
            continue;
        const qint64 local = m_store.head(it.key());
        if (local > it.value()) {
            qWarning("node %s: the broker's head of %s is %lld, behind this node's %lld: following the broker",
                     qPrintable(m_nodeName), qPrintable(it.key()), it.value(), local);
            m_store.resetHead(it.key(), it.value());
        } else if (local < it.value()) {
            m_backfills.insert(it.key(), Backfill{it.value(), {}});
            m_backfillQueue << it.key();
        }
    }
    for (auto it = m_lookups.cbegin(); it != m_lookups.cend(); ++it)
        sendLookup(it.key());
    std::vector<HistoryRequest> queued = std::move(m_queuedHistory);
    m_queuedHistory.clear();
    for (HistoryRequest &request : queued)
        sendHistoryRequest(std::move(request));
    emit ready();
    if (rejoined && m_backfillQueue.isEmpty())
        emit resynced();
    requestNextBackfill();
}

void ChannelHub::handleLinkFailed(const QString &reason)
{
    if (!m_everReady) {
        // Never joined: the node has nothing to serve (start-up fails as it always did).
        emit failed(reason);
        return;
    }
    m_handshakeTimer->stop();
    const qint64 now = util::monotonicMs();
    if (m_linkUp) {
        m_linkUp = false;
        m_outageStartMs = now;
        // In flight: maybe sequenced, maybe not; unknown until the link is back, so the
        // client hears "unavailable" now rather than an ack that may never come. A retry
        // with the same id is what the contract offers.
        std::unordered_map<qint64, SequencedCallback> pending = std::move(m_pendingPublishes);
        m_pendingPublishes.clear();
        for (auto &entry : pending) {
            ++m_publishesUnavailable;
            entry.second({0, QStringLiteral("the message bus went away before this was sequenced: retry with the same id")});
        }
        // History requests are asked again on the new link.
        for (auto &entry : m_pendingHistory)
            m_queuedHistory.push_back(std::move(entry.second));
        m_pendingHistory.clear();
        // Head lookups too (their callbacks wait in m_lookups).
        m_lookupRefs.clear();
        // A re-sync under way starts over from the local heads: held events are not in
        // the buffer, so the next re-sync fetches them again.
        m_backfills.clear();
        m_backfillQueue.clear();
        m_backfillRef = 0;
        emit linkLost(reason);
    }
    if (now - m_outageStartMs >= m_maxOutageMs) {
        emit failed(QStringLiteral("no message bus for %1 s: %2").arg(m_maxOutageMs / 1000.0).arg(reason));
        return;
    }
    ++m_reconnects;
    m_reconnectTimer->start(client::backoffDelayMs(++m_attempt, kReconnectMinMs, kReconnectMaxMs));
}

void ChannelHub::handleEvent(const protocol::Sequenced &sequenced, const QString &origin, qint64 ref)
{
    ++m_eventsReceived;
    auto backfill = m_backfills.find(sequenced.event.channel);
    if (backfill != m_backfills.end())
        backfill->held.push_back(sequenced); // after the events being fetched
    else
        deliver(sequenced);
    if (origin == m_nodeName)
        answerPublish(ref, {sequenced.event.seq, {}});
}

void ChannelHub::deliver(const protocol::Sequenced &sequenced)
{
    const QString &channel = sequenced.event.channel;
    // A channel this node does not know (forgotten when idle, or never used here) is
    // known from this event on: what came before it is the broker's to answer.
    if (!m_store.knows(channel))
        m_store.resetHead(channel, sequenced.event.seq - 1);
    if (!m_store.append(sequenced)) {
        // The bus is one ordered TCP stream, so this means a broker restart or a bug:
        // say so once and follow the broker's numbering from here.
        qWarning("node %s: channel %s jumped from seq %lld to %lld", qPrintable(m_nodeName), qPrintable(channel),
                 m_store.head(channel), sequenced.event.seq);
        m_store.resetHead(channel, sequenced.event.seq - 1);
        m_store.append(sequenced);
    }
    touch(channel);
    emit eventSequenced(sequenced);
}

void ChannelHub::handleHistory(const bus::HistoryReply &reply)
{
    auto lookup = m_lookupRefs.find(reply.ref);
    if (lookup != m_lookupRefs.end()) {
        m_lookupRefs.erase(lookup);
        handleLookup(reply);
        return;
    }
    if (m_backfillRef != 0 && reply.ref == m_backfillRef) {
        m_backfillRef = 0;
        handleBackfill(reply);
        return;
    }
    auto pending = m_pendingHistory.find(reply.ref);
    if (pending == m_pendingHistory.end())
        return;
    const RangeCallback done = std::move(pending->second.done);
    m_pendingHistory.erase(pending);
    done(reply.range);
}

void ChannelHub::handleLookup(const bus::HistoryReply &reply)
{
    const QString &channel = reply.channel;
    if (!m_store.knows(channel))
        m_store.resetHead(channel, reply.head);
    touch(channel);
    const qint64 channelHead = head(channel);
    const std::vector<HeadCallback> waiting = m_lookups.take(channel);
    for (const HeadCallback &done : waiting)
        done(channelHead);
}

void ChannelHub::handlePublishRejected(qint64 ref, const QString &reason)
{
    answerPublish(ref, {0, reason});
}

void ChannelHub::handlePublishDuplicated(qint64 ref, qint64 seq)
{
    answerPublish(ref, {seq, {}});
}

void ChannelHub::answerPublish(qint64 ref, const PublishOutcome &outcome)
{
    auto pending = m_pendingPublishes.find(ref);
    if (pending == m_pendingPublishes.end())
        return;
    const SequencedCallback done = std::move(pending->second);
    m_pendingPublishes.erase(pending);
    done(outcome);
}

void ChannelHub::touch(const QString &channel)
{
    m_lastActiveMs.insert(channel, util::monotonicMs());
}

void ChannelHub::evictIdle()
{
    const qint64 now = util::monotonicMs();
    for (auto it = m_lastActiveMs.begin(); it != m_lastActiveMs.end();) {
        const QString &channel = it.key();
        if (now - it.value() < m_idleLimitMs || (m_inUse && m_inUse(channel)) || m_backfills.contains(channel)) {
            ++it;
            continue;
        }
        m_store.forget(channel);
        ++m_channelsEvicted;
        it = m_lastActiveMs.erase(it);
    }
}

void ChannelHub::requestNextBackfill()
{
    if (!m_linkUp || m_backfillRef != 0 || m_backfillQueue.isEmpty())
        return;
    const QString &channel = m_backfillQueue.constFirst();
    m_backfillRef = m_bus->requestHistory(channel, head(channel), kBackfillSlice);
}

void ChannelHub::handleBackfill(const bus::HistoryReply &reply)
{
    auto backfill = m_backfills.find(reply.channel);
    if (backfill == m_backfills.end())
        return;
    const qint64 target = backfill->target;
    const QString channel = reply.channel;
    const log::ChannelLog::Range &range = reply.range;
    // What the broker no longer holds is lost to this node too: say so, then go on after it.
    // With nothing held and no gap the broker has nothing up to the target either.
    const qint64 lostTo = range.hasGap() ? std::min(range.gapTo, target)
                                         : (range.events.empty() ? target : 0);
    if (lostTo > head(channel)) {
        const qint64 from = head(channel) + 1;
        m_store.resetHead(channel, lostTo);
        emit gapped(channel, from, lostTo);
    }
    // head() looked up each time: a surface reacting to an event may add channels.
    for (const protocol::Sequenced &s : range.events) {
        if (s.event.seq > target)
            break; // the rest comes live, held in order
        if (s.event.seq == head(channel) + 1) {
            ++m_eventsBackfilled;
            deliver(s);
        }
    }
    if (head(channel) >= target)
        finishBackfill(channel);
    requestNextBackfill();
}

void ChannelHub::finishBackfill(const QString &channel)
{
    auto backfill = m_backfills.find(channel);
    if (backfill == m_backfills.end())
        return;
    const std::vector<protocol::Sequenced> held = std::move(backfill->held);
    m_backfills.erase(backfill);
    m_backfillQueue.removeOne(channel);
    for (const protocol::Sequenced &s : held)
        deliver(s);
    if (m_backfills.isEmpty())
        emit resynced();
}

} // namespace duplex::node
