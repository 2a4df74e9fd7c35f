#include "loadgen/loadrun.h"

#include "client/cometclient.h"
#include "client/websocketclient.h"
#include "load/payload.h"
#include "protocol/event.h"
#include "util/procstats.h"

#include <QTimer>

#include <cmath>

namespace duplex::loadgen {

namespace {
// Comet clients spread over this many /24 sources (ip_hash keys on three octets).
constexpr int kSourceNetworks = 16;
// A subscriber that cannot get its first welcome after this many tries means the
// cluster is not there at all.
constexpr int kUnreachableAttempts = 3;
} // namespace

LoadRun::LoadRun(LoadOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_rampTimer(new QTimer(this))
    , m_publishTimer(new QTimer(this))
    , m_intervalTimer(new QTimer(this))
    , m_deadlineTimer(new QTimer(this))
{
    m_publishTimer->setTimerType(Qt::PreciseTimer);
    m_deadlineTimer->setSingleShot(true);
    connect(m_rampTimer, &QTimer::timeout, this, &LoadRun::connectNext);
    connect(m_publishTimer, &QTimer::timeout, this, &LoadRun::publishTick);
    connect(m_intervalTimer, &QTimer::timeout, this, &LoadRun::reportInterval);
}

LoadRun::~LoadRun() = default;

qint64 LoadRun::totalToSend() const
{
    return m_options.messages > 0 ? m_options.messages : qint64(std::llround(m_options.durationSeconds * m_options.rate));
}

qint64 LoadRun::expectedPerSubscriber() const
{
    qint64 expected = 0;
    for (const Publisher &p : m_publishers)
        expected += p.sent - p.failed.size();
    return expected;
}

void LoadRun::start()
{
    m_clock.start();
    m_cpuAtStartUs = util::cpuTimeMicros();
    for (const QString &name : m_options.transports)
        m_transports.push_back(Transport{name, 0, {}, {}, {}, 0, 0, 0, 0, 0});
    // Interleaved, so a ramp that stops early leaves the transports even.
    for (int i = 0; i < m_options.clients; ++i) {
        for (size_t t = 0; t < m_transports.size(); ++t) {
            auto subscriber = std::make_unique<Subscriber>();
            subscriber->transport = int(t);
            subscriber->index = i;
            m_subscribers.push_back(std::move(subscriber));
        }
    }
    m_phase = Phase::Connecting;
    emit progressed(QStringLiteral("connecting %1 subscribers to %2:%3 at %4/s")
                        .arg(m_subscribers.size()).arg(m_options.host).arg(m_options.port).arg(m_options.rampPerSecond));
    m_rampTimer->start(std::max(1, int(1000 / m_options.rampPerSecond)));
    m_intervalTimer->start(m_options.intervalMs);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] {
        if (m_phase == Phase::Connecting) {
            fail(QStringLiteral("only %1 of %2 subscribers connected within %3 s")
                     .arg(m_welcomed).arg(m_subscribers.size()).arg(m_options.connectTimeoutSeconds));
        }
    });
    m_deadlineTimer->start(m_options.connectTimeoutSeconds * 1000);
    connectNext();
}

void LoadRun::connectNext()
{
    // Connects as many as the ramp allows since the start, so timer coarseness does not
    // slow it down.
    const qint64 due = std::min<qint64>(qint64(m_subscribers.size()),
                                        1 + qint64(double(m_clock.elapsed()) * m_options.rampPerSecond / 1000.0));
    while (qint64(m_nextToConnect) < due) {
        Subscriber *s = m_subscribers[m_nextToConnect].get();
        ++m_nextToConnect;
        Transport &transport = m_transports[size_t(s->transport)];
        auto onReconnecting = [this, s](int attempt, const QString &reason) {
            ++m_transports[size_t(s->transport)].reconnects;
            if (m_welcomed == 0 && attempt >= kUnreachableAttempts)
                fail(QStringLiteral("cannot reach the cluster at http://%1:%2/: %3").arg(m_options.host).arg(m_options.port).arg(reason));
        };
        if (transport.name == QLatin1String("comet")) {
            client::CometClient::Options o;
            o.host = m_options.host;
            o.port = m_options.port;
            o.channel = m_options.channel;
            if (m_options.spreadSources)
                o.source = QHostAddress(QStringLiteral("127.0.%1.1").arg(s->index % kSourceNetworks + 1));
            s->comet = std::make_unique<client::CometClient>(o);
            connect(s->comet.get(), &client::CometClient::welcomed, this, [this, s] { handleWelcomed(s); });
            connect(s->comet.get(), &client::CometClient::eventReceived, this,
                    [this, s](const protocol::Event &e) { handleEvent(s, e); });
            connect(s->comet.get(), &client::CometClient::reconnecting, this, onReconnecting);
            connect(s->comet.get(), &client::CometClient::errorOccurred, this,
                    [this, s] { ++m_transports[size_t(s->transport)].errors; });
            s->comet->start();
        } else {
            client::WebSocketClient::Options o;
            o.host = m_options.host;
            o.port = m_options.port;
            o.channel = m_options.channel;
            s->ws = std::make_unique<client::WebSocketClient>(o);
            connect(s->ws.get(), &client::WebSocketClient::welcomed, this, [this, s] { handleWelcomed(s); });
            connect(s->ws.get(), &client::WebSocketClient::eventReceived, this,
                    [this, s](const protocol::Event &e) { handleEvent(s, e); });
            connect(s->ws.get(), &client::WebSocketClient::reconnecting, this, onReconnecting);
            connect(s->ws.get(), &client::WebSocketClient::errorOccurred, this,
                    [this, s] { ++m_transports[size_t(s->transport)].errors; });
            s->ws->start();
        }
    }
    if (m_nextToConnect == m_subscribers.size())
        m_rampTimer->stop();
}

void LoadRun::handleWelcomed(Subscriber *subscriber)
{
    // A WebSocket client is welcomed again after every reconnect; only the first counts.
    if (subscriber->welcomed)
        return;
    subscriber->welcomed = true;
    ++m_welcomed;
    ++m_transports[size_t(subscriber->transport)].connected;
    if (m_phase == Phase::Connecting && m_welcomed == int(m_subscribers.size()))
        startPublishers();
}

void LoadRun::startPublishers()
{
    m_deadlineTimer->stop();
    emit progressed(QStringLiteral("all %1 subscribers connected in %2 ms; starting %3 publisher(s)")
                        .arg(m_subscribers.size()).arg(m_clock.elapsed()).arg(m_options.publishers));
    m_publishers.resize(size_t(m_options.publishers));
    for (Publisher &p : m_publishers) {
        client::WebSocketClient::Options o;
        o.host = m_options.host;
        o.port = m_options.port;
        o.channel = m_options.channel;
        p.client = std::make_unique<client::WebSocketClient>(o);
        Publisher *publisher = &p;
        connect(p.client.get(), &client::WebSocketClient::welcomed, this, [this, publisher] {
            if (publisher->welcomed)
                return;
            publisher->welcomed = true;
            const bool all = std::all_of(m_publishers.cbegin(), m_publishers.cend(), [](const Publisher &x) { return x.welcomed; });
            if (all && m_phase == Phase::Connecting) {
                m_phase = Phase::Publishing;
                m_publishClock.start();
                emit progressed(QStringLiteral("publishing %1 messages of %2 characters at %3/s")
                                    .arg(totalToSend()).arg(m_options.size).arg(m_options.rate));
                m_publishTimer->start(std::clamp(int(1000 / m_options.rate), 1, 10));
                publishTick();
            }
        });
        // Acks and failures come back in publish order (one connection, FIFO).
        connect(p.client.get(), &client::WebSocketClient::published, this, [this, publisher] {
            if (!publisher->inFlight.empty())
                publisher->inFlight.pop_front();
            ++publisher->acked;
            checkDrained();
        });
        connect(p.client.get(), &client::WebSocketClient::publishFailed, this, [this, publisher] {
            if (!publisher->inFlight.empty()) {
                publisher->failed.insert(publisher->inFlight.front());
                publisher->inFlight.pop_front();
            }
            checkDrained();
        });
        p.client->start();
    }
}

void LoadRun::publishTick()
{
    if (m_phase != Phase::Publishing)
        return;
    const qint64 total = totalToSend();
    qint64 sent = 0;
    for (const Publisher &p : m_publishers)
        sent += p.sent;
    // Catches up with the schedule rather than counting ticks, which drift.
    const qint64 due = std::min(total, 1 + qint64(double(m_publishClock.nsecsElapsed()) / 1e9 * m_options.rate));
    for (; sent < due; ++sent) {
        // The next publisher that is connected: one whose node died waits for its
        // reconnect, and the schedule catches up meanwhile.
        int index = -1;
        for (size_t tries = 0; tries < m_publishers.size() && index < 0; ++tries) {
            const int candidate = m_nextPublisher;
            m_nextPublisher = (m_nextPublisher + 1) % int(m_publishers.size());
            if (m_publishers[size_t(candidate)].client->isConnected())
                index = candidate;
        }
        if (index < 0)
            break;
        Publisher &p = m_publishers[size_t(index)];
        const load::Payload payload{index, p.sent, load::nowMicros()};
        p.inFlight.push_back(p.sent);
        ++p.sent;
        p.client->publish(load::encodePayload(payload, m_options.size));
    }
    if (sent >= total)
        finishPublishing();
}

void LoadRun::finishPublishing()
{
    m_publishTimer->stop();
    m_publishEndedMs = m_publishClock.elapsed();
    m_phase = Phase::Draining;
    emit progressed(QStringLiteral("published %1 messages in %2 s; waiting up to %3 s for the last deliveries")
                        .arg(totalToSend()).arg(double(m_publishEndedMs) / 1000.0, 0, 'f', 2).arg(m_options.graceSeconds));
    disconnect(m_deadlineTimer, nullptr, this, nullptr);
    connect(m_deadlineTimer, &QTimer::timeout, this, &LoadRun::finish);
    m_deadlineTimer->start(int(m_options.graceSeconds * 1000));
    checkDrained();
}

void LoadRun::checkDrained()
{
    if (m_phase != Phase::Draining)
        return;
    qint64 sent = 0;
    qint64 answered = 0;
    for (const Publisher &p : m_publishers) {
        sent += p.sent;
        answered += p.acked + p.failed.size();
    }
    if (answered < sent)
        return;
    const qint64 expected = expectedPerSubscriber();
    for (const auto &s : m_subscribers) {
        qint64 received = 0;
        for (const load::SequenceTracker &t : s->trackers)
            received += t.received();
        if (received < expected)
            return;
    }
    finish();
}

void LoadRun::handleEvent(Subscriber *subscriber, const protocol::Event &event)
{
    if (event.type != protocol::EventType::Message)
        return;
    Transport &transport = m_transports[size_t(subscriber->transport)];
    const load::PayloadParse parsed = load::decodePayload(event.data.toString());
    if (parsed.status != load::PayloadParse::Status::Ok || parsed.payload.publisher >= int(m_publishers.size())) {
        ++transport.foreign; // someone else's message on the channel
        return;
    }
    const load::Payload &payload = parsed.payload;
    const load::SequenceTracker::Outcome outcome = subscriber->trackers[payload.publisher].record(payload.counter);
    if (outcome != load::SequenceTracker::Outcome::New && outcome != load::SequenceTracker::Outcome::OutOfOrder)
        return;
    const qint64 nowUs = load::nowMicros();
    const qint64 latency = load::latencyUs(payload.sentUs, nowUs);
    ++transport.received;
    ++transport.intervalReceived;
    transport.intervalLatency.record(latency);
    transport.totalLatency.record(latency);
    const qint64 iteration = payload.counter * qint64(m_publishers.size()) + payload.publisher;
    transport.series.recordReceipt(subscriber->index, iteration, nowUs, latency);
    if (m_phase == Phase::Draining)
        checkDrained();
}

void LoadRun::reportInterval()
{
    QList<load::TransportInterval> intervals;
    for (Transport &t : m_transports) {
        load::TransportInterval interval;
        interval.transport = t.name;
        interval.connected = 0;
        for (const auto &s : m_subscribers) {
            if (s->transport != int(&t - m_transports.data()))
                continue;
            if ((s->ws && s->ws->isConnected()) || (s->comet && s->welcomed && s->comet->isRunning()))
                ++interval.connected;
        }
        interval.received = t.intervalReceived;
        interval.latency = t.intervalLatency;
        const load::InterMessageInterval inter = t.series.takeIntervalMean();
        interval.meanInterMessageMs = inter.meanMs;
        interval.interMessageSamples = inter.samples;
        interval.errors = t.errors;
        interval.reconnects = t.reconnects;
        intervals << interval;
        t.intervalReceived = 0;
        t.intervalLatency.clear();
    }
    emit intervalReported(load::intervalJsonLine(m_clock.elapsed(), intervals));

    qint64 sent = 0;
    for (const Publisher &p : m_publishers)
        sent += p.sent;
    QString eta;
    if (m_phase == Phase::Publishing && sent > 0) {
        const double remaining = double(totalToSend() - sent) / m_options.rate;
        eta = QStringLiteral(" | ETA %1 s").arg(remaining, 0, 'f', 1);
    }
    emit statusUpdated(QStringLiteral("connected %1/%2 | published %3/%4%5")
                        .arg(m_welcomed).arg(m_subscribers.size()).arg(sent).arg(totalToSend()).arg(eta));
}

void LoadRun::stop()
{
    if (m_phase == Phase::Publishing)
        finishPublishing();
    if (m_phase == Phase::Draining)
        finish();
    else if (m_phase == Phase::Connecting)
        fail(QStringLiteral("stopped while connecting (%1 of %2 subscribers connected)").arg(m_welcomed).arg(m_subscribers.size()));
}

void LoadRun::finish()
{
    if (m_phase == Phase::Done)
        return;
    reportInterval();
    m_phase = Phase::Done;
    m_rampTimer->stop();
    m_publishTimer->stop();
    m_intervalTimer->stop();
    m_deadlineTimer->stop();

    const qint64 expectedEach = expectedPerSubscriber();
    const double cpuSeconds = double(util::cpuTimeMicros() - m_cpuAtStartUs) / 1e6;
    const double publishSeconds = std::max(0.001, double(m_publishEndedMs) / 1000.0);
    qint64 uncertain = 0;
    for (const Publisher &p : m_publishers)
        uncertain += p.failed.size();
    if (uncertain > 0)
        emit progressed(QStringLiteral("%1 publishes failed with their connection; they are left out of the counts").arg(uncertain));

    QList<load::TransportSummary> summaries;
    QByteArray csv = load::csvHeader();
    for (size_t t = 0; t < m_transports.size(); ++t) {
        const Transport &transport = m_transports[t];
        load::TransportSummary s;
        s.transport = transport.name;
        s.clients = m_options.clients;
        s.expected = expectedEach * m_options.clients;
        for (const auto &sub : m_subscribers) {
            if (sub->transport != int(t))
                continue;
            for (size_t i = 0; i < m_publishers.size(); ++i) {
                const Publisher &p = m_publishers[i];
                const auto tracker = sub->trackers.constFind(int(i));
                if (tracker == sub->trackers.cend()) {
                    s.lost += p.sent - p.failed.size();
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
            if (sub->comet)
                s.duplicated += sub->comet->duplicatesDropped();
            if (sub->ws)
                s.duplicated += sub->ws->duplicatesDropped();
        }
        s.reconnects = transport.reconnects;
        s.errors = transport.errors;
        s.latency = transport.totalLatency;
        s.meanInterMessageMs = transport.series.overall().meanMs;
        s.throughputPerSec = double(s.delivered) / publishSeconds;
        // One process serves every transport: its CPU is the run's, in each row.
        s.clientCpuSeconds = cpuSeconds;
        summaries << s;
        csv += load::csvRows(transport.name, transport.series.rows());
    }
    for (auto &s : m_subscribers) {
        if (s->comet)
            s->comet->stop();
        if (s->ws)
            s->ws->stop();
    }
    for (Publisher &p : m_publishers)
        p.client->stop();
    emit finished(load::summaryJson(m_clock.elapsed(), summaries), load::summaryTable(summaries), csv);
}

void LoadRun::fail(const QString &reason)
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_rampTimer->stop();
    m_publishTimer->stop();
    m_intervalTimer->stop();
    m_deadlineTimer->stop();
    for (auto &s : m_subscribers) {
        if (s->comet)
            s->comet->stop();
        if (s->ws)
            s->ws->stop();
    }
    for (Publisher &p : m_publishers)
        p.client->stop();
    emit failed(reason);
}

} // namespace duplex::loadgen
