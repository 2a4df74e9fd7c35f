#include "loadgen/subscriberpool.h"

#include "client/cometclient.h"
#include "client/nchanclient.h"
#include "client/websocketclient.h"
#include "load/payload.h"
#include "peer/nchanconfig.h"
#include "protocol/event.h"
#include "protocol/transport.h"

#include <QTimer>

#include <limits>

#include <algorithm>
#include <cmath>

namespace duplex::loadgen {

namespace {
// Comet clients spread over this many /24 sources (ip_hash keys on three octets).
constexpr int kSourceNetworks = 16;
// The channel counts as settled after this long without any event.
constexpr qint64 kSettleMs = 500;
// A subscriber that cannot get its first welcome after this many tries means the
// cluster is not there at all.
constexpr int kUnreachableAttempts = 3;

// std::visit over a subscriber's client with one lambda per kind.
template<class... Fs>
struct Overloaded : Fs...
{
    using Fs::operator()...;
};
template<class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;
} // namespace

SubscriberPool::SubscriberPool(const LoadOptions &options, int worker, int workers, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_rampPerSecond(options.rampPerSecond / std::max(1, workers))
    , m_rampTimer(new QTimer(this))
    , m_settleTimer(new QTimer(this))
{
    connect(m_rampTimer, &QTimer::timeout, this, &SubscriberPool::connectNext);
    m_settleTimer->setInterval(100);
    connect(m_settleTimer, &QTimer::timeout, this, &SubscriberPool::checkSettled);
    for (const protocol::Transport kind : m_options.transports) {
        Transport transport;
        transport.kind = kind;
        m_transports.push_back(std::move(transport));
    }
    // Interleaved, so a ramp that stops early leaves the transports even.
    for (int i = worker; i < m_options.clients; i += std::max(1, workers)) {
        for (size_t t = 0; t < m_transports.size(); ++t) {
            auto subscriber = std::make_unique<Subscriber>();
            subscriber->transport = int(t);
            subscriber->index = i;
            m_subscribers.push_back(std::move(subscriber));
            ++m_transports[t].clients;
        }
    }
}

SubscriberPool::~SubscriberPool() = default;

void SubscriberPool::start()
{
    m_clock.start();
    if (m_subscribers.empty()) {
        // Nothing to connect; still said on the event loop, like every other signal.
        QTimer::singleShot(0, this, &SubscriberPool::allConnected);
        return;
    }
    m_rampTimer->start(std::max(1, int(1000 / m_rampPerSecond)));
    connectNext();
}

void SubscriberPool::stop()
{
    m_rampTimer->stop();
    for (auto &s : m_subscribers) {
        std::visit(Overloaded{[](std::monostate) {}, [](auto &client) { client->stop(); }}, s->client);
    }
    // Nothing is emitted after stop(), not even a drain that a late receipt completes.
    m_stopped = true;
    m_drainTarget = -1;
}

void SubscriberPool::connectNext()
{
    // Connects as many as the ramp allows since the start, so timer coarseness does not
    // slow it down.
    const qint64 due = std::min<qint64>(qint64(m_subscribers.size()),
                                        1 + qint64(double(m_clock.elapsed()) * m_rampPerSecond / 1000.0));
    while (qint64(m_nextToConnect) < due) {
        Subscriber *s = m_subscribers[m_nextToConnect].get();
        ++m_nextToConnect;
        if (m_options.protocol == LoadOptions::Protocol::Nchan)
            startNchanClient(s);
        else
            startDuplexClient(s);
    }
    if (m_nextToConnect == m_subscribers.size())
        m_rampTimer->stop();
}

void SubscriberPool::startDuplexClient(Subscriber *s)
{
    auto onReconnecting = [this, s](int attempt, const QString &reason) { handleReconnecting(s, attempt, reason); };
    auto onError = [this, s] { handleError(s); };
    auto onEvent = [this, s](const protocol::Event &e) { handleEvent(s, e); };
    if (m_transports[size_t(s->transport)].kind == protocol::Transport::Comet) {
        client::CometClient::Options o;
        o.host = m_options.host;
        o.port = m_options.port;
        o.channel = m_options.channel;
        if (m_options.spreadSources)
            o.source = QHostAddress(QStringLiteral("127.0.%1.1").arg(s->index % kSourceNetworks + 1));
        o.presence = m_options.presence;
        auto *comet = std::get<std::unique_ptr<client::CometClient>>(s->client = std::make_unique<client::CometClient>(o)).get();
        connect(comet, &client::CometClient::welcomed, this, [this, s](const protocol::Event &w) { handleWelcomed(s, w.node); });
        connect(comet, &client::CometClient::eventReceived, this, onEvent);
        connect(comet, &client::CometClient::reconnecting, this, onReconnecting);
        connect(comet, &client::CometClient::errorOccurred, this, onError);
        comet->start();
        return;
    }
    client::WebSocketClient::Options o;
    o.host = m_options.host;
    o.port = m_options.port;
    o.channel = m_options.channel;
    o.presence = m_options.presence;
    auto *ws = std::get<std::unique_ptr<client::WebSocketClient>>(s->client = std::make_unique<client::WebSocketClient>(o)).get();
    connect(ws, &client::WebSocketClient::welcomed, this, [this, s](const protocol::Event &w) { handleWelcomed(s, w.node); });
    connect(ws, &client::WebSocketClient::eventReceived, this, onEvent);
    connect(ws, &client::WebSocketClient::reconnecting, this, onReconnecting);
    connect(ws, &client::WebSocketClient::errorOccurred, this, onError);
    ws->start();
}

void SubscriberPool::startNchanClient(Subscriber *s)
{
    client::NchanClient::Options o;
    o.host = m_options.host;
    o.port = m_options.port;
    o.channel = m_options.channel;
    o.subscribePath = QString::fromLatin1(peer::kNchanSubscribePath);
    o.infoPath = QString::fromLatin1(peer::kNchanPublishPath);
    // Duplex's "ws" against nchan's WebSocket subscriber, "comet" against its long-poll one,
    // from the same source addresses as Duplex's Comet clients.
    if (m_transports[size_t(s->transport)].kind == protocol::Transport::Comet) {
        o.transport = client::NchanClient::Transport::LongPoll;
        if (m_options.spreadSources)
            o.source = QHostAddress(QStringLiteral("127.0.%1.1").arg(s->index % kSourceNetworks + 1));
    } else {
        o.transport = client::NchanClient::Transport::WebSocket;
    }
    auto *nchan = std::get<std::unique_ptr<client::NchanClient>>(s->client = std::make_unique<client::NchanClient>(o)).get();
    connect(nchan, &client::NchanClient::welcomed, this, [this, s] { handleWelcomed(s, QString()); });
    connect(nchan, &client::NchanClient::messageReceived, this, [this, s](const QString &text) {
        m_lastEventMs = m_clock.elapsed();
        handleMessage(s, text);
    });
    connect(nchan, &client::NchanClient::reconnecting, this,
            [this, s](int attempt, const QString &reason) { handleReconnecting(s, attempt, reason); });
    connect(nchan, &client::NchanClient::errorOccurred, this, [this, s] { handleError(s); });
    nchan->start();
}

void SubscriberPool::handleError(Subscriber *subscriber)
{
    ++m_transports[size_t(subscriber->transport)].errors;
    ++m_transports[size_t(subscriber->transport)].intervalErrors;
}

bool SubscriberPool::isConnected(const Subscriber &subscriber)
{
    return std::visit(Overloaded{[](std::monostate) { return false; },
                                 [](const std::unique_ptr<client::WebSocketClient> &ws) { return ws->isConnected(); },
                                 [&subscriber](const std::unique_ptr<client::CometClient> &comet) {
                                     return subscriber.welcomed && comet->isRunning();
                                 },
                                 [](const std::unique_ptr<client::NchanClient> &nchan) { return nchan->isSubscribed(); }},
                      subscriber.client);
}

qint64 SubscriberPool::duplicatesDropped(const Subscriber &subscriber)
{
    return std::visit(Overloaded{[](std::monostate) { return qint64(0); },
                                 [](const std::unique_ptr<client::NchanClient> &) { return qint64(0); },
                                 [](const auto &client) { return qint64(client->duplicatesDropped()); }},
                      subscriber.client);
}

qint64 SubscriberPool::polls(const Subscriber &subscriber)
{
    const auto *comet = std::get_if<std::unique_ptr<client::CometClient>>(&subscriber.client);
    return comet ? (*comet)->pollsCompleted() : -1;
}

void SubscriberPool::handleReconnecting(Subscriber *subscriber, int attempt, const QString &reason)
{
    ++m_transports[size_t(subscriber->transport)].reconnects;
    ++m_transports[size_t(subscriber->transport)].intervalReconnects;
    if (m_welcomed == 0 && attempt >= kUnreachableAttempts && !m_failed && !m_stopped) {
        m_failed = true;
        emit failed(QStringLiteral("cannot reach the cluster at http://%1:%2/: %3").arg(m_options.host).arg(m_options.port).arg(reason));
    }
}

void SubscriberPool::handleWelcomed(Subscriber *subscriber, const QString &node)
{
    // A WebSocket client is welcomed again after every reconnect; only the first counts.
    if (subscriber->welcomed)
        return;
    subscriber->welcomed = true;
    subscriber->node = node;
    ++m_welcomed;
    // Every new subscriber's join goes to every subscriber already there: n clients
    // connecting make n^2/2 join events, which take the cluster a while to deliver.
    // Publishing starts once they have (no event for kSettleMs), so the measurement is
    // not of messages queued behind the presence traffic.
    if (m_welcomed == int(m_subscribers.size()) && !m_stopped)
        m_settleTimer->start();
}

void SubscriberPool::checkSettled()
{
    if (m_stopped) {
        m_settleTimer->stop();
        return;
    }
    if (m_clock.elapsed() - m_lastEventMs < kSettleMs)
        return;
    // Quiet is not enough: a process that was itself too busy to read also sees no
    // events. Every subscriber must have reached the furthest seq any of them has seen.
    // nchan has no seq, and no join events to wait for either: quiet is all there is.
    qint64 lowest = std::numeric_limits<qint64>::max();
    qint64 highest = -1;
    for (const auto &s : m_subscribers) {
        std::visit(Overloaded{[](std::monostate) {}, [](const std::unique_ptr<client::NchanClient> &) {},
                              [&lowest, &highest](const auto &client) {
                                  lowest = std::min(lowest, client->cursor());
                                  highest = std::max(highest, client->cursor());
                              }},
                   s->client);
    }
    // Without presence the cursors only move with messages, of which there are none yet.
    if (m_options.presence && lowest < highest)
        return;
    m_settleTimer->stop();
    emit allConnected();
}

void SubscriberPool::acceptPublishers(int count)
{
    m_acceptedPublishers = count;
    // Polls from here on are the ones that carried messages (or waited for them).
    for (auto &s : m_subscribers)
        s->pollsAtAccept = std::max<qint64>(0, polls(*s));
}

void SubscriberPool::setDrainTarget(const std::vector<PublisherTally> &tallies)
{
    if (m_stopped)
        return;
    m_drainFailed.clear();
    for (size_t p = 0; p < tallies.size(); ++p) {
        if (!tallies[p].failed.isEmpty())
            m_drainFailed.insert(int(p), tallies[p].failed);
    }
    for (auto &s : m_subscribers) {
        qint64 failedSeen = 0;
        for (auto it = m_drainFailed.cbegin(); it != m_drainFailed.cend(); ++it) {
            const auto tracker = s->trackers.constFind(it.key());
            if (tracker == s->trackers.cend())
                continue;
            for (const qint64 counter : it.value())
                failedSeen += tracker->contains(counter) ? 1 : 0;
        }
        s->receivedExpected = s->received - failedSeen;
    }
    const qint64 expectedEach = expectedPerSubscriber(tallies);
    m_drainTarget = expectedEach;
    m_belowTarget = int(std::count_if(m_subscribers.cbegin(), m_subscribers.cend(),
                                      [expectedEach](const auto &s) { return s->receivedExpected < expectedEach; }));
    if (m_belowTarget == 0) {
        m_drainTarget = -1;
        emit drained();
    }
}

void SubscriberPool::handleEvent(Subscriber *subscriber, const protocol::Event &event)
{
    m_lastEventMs = m_clock.elapsed();
    if (event.type != protocol::EventType::Message)
        return;
    handleMessage(subscriber, event.data.toString());
}

void SubscriberPool::handleMessage(Subscriber *subscriber, const QString &data)
{
    Transport &transport = m_transports[size_t(subscriber->transport)];
    const load::PayloadParse parsed = load::decodePayload(data);
    if (parsed.status != load::PayloadParse::Status::Ok || parsed.payload.publisher >= m_acceptedPublishers) {
        ++transport.foreign; // someone else's message on the channel
        return;
    }
    const load::Payload &payload = parsed.payload;
    const load::SequenceTracker::Outcome outcome = subscriber->trackers[payload.publisher].record(payload.counter);
    if (outcome != load::SequenceTracker::Outcome::New && outcome != load::SequenceTracker::Outcome::OutOfOrder)
        return;
    const qint64 nowUs = load::nowMicros();
    const qint64 latency = load::latencyUs(payload.sentUs, nowUs);
    ++subscriber->received;
    if (subscriber->lastReceiptUs >= 0) {
        const double delta = double(nowUs - subscriber->lastReceiptUs);
        ++subscriber->deltas;
        const double step = delta - subscriber->deltaMeanUs;
        subscriber->deltaMeanUs += step / double(subscriber->deltas);
        subscriber->deltaM2 += step * (delta - subscriber->deltaMeanUs);
    }
    subscriber->lastReceiptUs = nowUs;
    ++transport.intervalReceived;
    transport.intervalLatency.record(latency);
    transport.totalLatency.record(latency);
    const qint64 iteration = payload.counter * qint64(m_acceptedPublishers) + payload.publisher;
    transport.series.recordReceipt(subscriber->index, iteration, nowUs, latency);
    if (m_drainTarget < 0)
        return;
    const auto failed = m_drainFailed.constFind(payload.publisher);
    if (failed != m_drainFailed.cend() && failed->contains(payload.counter))
        return;
    // Counted once, when this subscriber reaches the target: O(1) per receipt.
    if (++subscriber->receivedExpected == m_drainTarget && --m_belowTarget == 0) {
        m_drainTarget = -1;
        emit drained();
    }
}

QList<load::TransportInterval> SubscriberPool::takeInterval()
{
    QList<load::TransportInterval> intervals;
    for (size_t t = 0; t < m_transports.size(); ++t) {
        Transport &transport = m_transports[t];
        load::TransportInterval interval;
        interval.transport = transport.kind;
        interval.connected = 0;
        for (const auto &s : m_subscribers) {
            if (s->transport != int(t))
                continue;
            if (isConnected(*s))
                ++interval.connected;
        }
        interval.received = transport.intervalReceived;
        interval.latency = transport.intervalLatency;
        const load::InterMessageInterval inter = transport.series.takeIntervalMean();
        interval.meanInterMessageMs = inter.meanMs;
        interval.interMessageSamples = inter.samples;
        interval.errors = transport.intervalErrors;
        interval.reconnects = transport.intervalReconnects;
        intervals << interval;
        transport.intervalErrors = 0;
        transport.intervalReconnects = 0;
        transport.intervalReceived = 0;
        transport.intervalLatency.clear();
    }
    return intervals;
}

SubscriberResult SubscriberPool::result(const std::vector<PublisherTally> &tallies) const
{
    SubscriberResult result;
    const qint64 expectedEach = expectedPerSubscriber(tallies);
    for (size_t t = 0; t < m_transports.size(); ++t) {
        const Transport &transport = m_transports[t];
        load::TransportSummary s;
        s.transport = transport.kind;
        s.clients = transport.clients;
        s.expected = expectedEach * transport.clients;
        for (const auto &sub : m_subscribers) {
            if (sub->transport != int(t))
                continue;
            for (size_t i = 0; i < tallies.size(); ++i) {
                const PublisherTally &p = tallies[i];
                const auto tracker = sub->trackers.constFind(int(i));
                if (tracker == sub->trackers.cend()) {
                    s.lost += p.expected();
                    continue;
                }
                qint64 failedReceived = 0;
                for (const qint64 counter : p.failed)
                    failedReceived += tracker->contains(counter) ? 1 : 0;
                s.delivered += tracker->received() - failedReceived;
                s.lost += tracker->lost(p.sent) - (p.failed.size() - failedReceived);
                s.duplicated += tracker->duplicates();
                s.outOfOrder += tracker->outOfOrder();
            }
            s.duplicated += duplicatesDropped(*sub);
        }
        s.reconnects = transport.reconnects;
        s.errors = transport.errors;
        s.latency = transport.totalLatency;
        s.meanInterMessageMs = transport.series.overall().meanMs;
        result.summaries << s;
        result.series.push_back(transport.series);
        result.details.push_back(detail(int(t)));
    }
    return result;
}

SubscriberResult::Detail SubscriberPool::detail(int transport) const
{
    SubscriberResult::Detail d;
    d.foreign = m_transports[size_t(transport)].foreign;
    double jitterSumUs = 0;
    int jitterClients = 0;
    for (const auto &s : m_subscribers) {
        if (s->transport != transport)
            continue;
        if (s->welcomed)
            ++d.clientsByNode[s->node];
        const qint64 p = polls(*s);
        if (p >= 0)
            d.polls = std::max<qint64>(0, d.polls) + p - s->pollsAtAccept;
        if (s->deltas > 0) {
            jitterSumUs += std::sqrt(s->deltaM2 / double(s->deltas));
            ++jitterClients;
        }
    }
    if (jitterClients > 0)
        d.jitterMs = jitterSumUs / double(jitterClients) / 1000.0;
    return d;
}

} // namespace duplex::loadgen
