#include "loadgen/loadrun.h"

#include "client/websocketclient.h"
#include "load/intervaljson.h"
#include "load/iterationcsv.h"
#include "load/payload.h"
#include "load/summaryjson.h"
#include "load/summarytable.h"
#include "loadgen/subscriberpool.h"
#include "loadgen/workergroup.h"
#include "peer/nchanconfig.h"
#include "peer/nchanpublisher.h"
#include "util/procstats.h"

#include <QTimer>

#include <algorithm>
#include <cmath>

namespace duplex::loadgen {

LoadRun::LoadRun(LoadOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_publishTimer(new QTimer(this))
    , m_intervalTimer(new QTimer(this))
    , m_deadlineTimer(new QTimer(this))
{
    m_publishTimer->setTimerType(Qt::PreciseTimer);
    m_deadlineTimer->setSingleShot(true);
    connect(m_publishTimer, &QTimer::timeout, this, &LoadRun::publishTick);
    connect(m_intervalTimer, &QTimer::timeout, this, &LoadRun::reportInterval);
}

LoadRun::~LoadRun() = default;

qint64 LoadRun::totalToSend() const
{
    return m_options.messages > 0 ? m_options.messages : qint64(std::llround(m_options.durationSeconds * m_options.rate));
}

int LoadRun::subscriberCount() const
{
    return m_options.clients * int(m_options.transports.size());
}

int LoadRun::welcomed() const
{
    if (m_pool)
        return m_pool->welcomed();
    return m_workers ? m_workers->welcomed() : 0;
}

std::vector<PublisherTally> LoadRun::tallies() const
{
    std::vector<PublisherTally> tallies;
    tallies.reserve(m_publishers.size());
    for (const Publisher &p : m_publishers)
        tallies.push_back(p.tally);
    return tallies;
}

void LoadRun::start()
{
    m_clock.start();
    m_cpuAtStartUs = util::cpuTimeMicros();
    // A worker without clients would only cost a process.
    const int workers = std::min(m_options.procs, m_options.clients);
    emit progressed(QStringLiteral("connecting %1 subscribers to %2:%3 at %4/s")
                        .arg(subscriberCount()).arg(m_options.host).arg(m_options.port).arg(m_options.rampPerSecond));
    auto connected = [this] {
        if (m_phase == Phase::Connecting)
            startPublishers();
    };
    if (workers > 1) {
        m_workers = new WorkerGroup(m_options, workers, this);
        connect(m_workers, &WorkerGroup::progressed, this, &LoadRun::progressed);
        connect(m_workers, &WorkerGroup::allConnected, this, connected);
        connect(m_workers, &WorkerGroup::intervalCollected, this, &LoadRun::emitInterval);
        connect(m_workers, &WorkerGroup::drained, this, &LoadRun::finish);
        connect(m_workers, &WorkerGroup::finalCollected, this, &LoadRun::complete);
        connect(m_workers, &WorkerGroup::failed, this, &LoadRun::fail);
    } else {
        m_pool = new SubscriberPool(m_options, 0, 1, this);
        connect(m_pool, &SubscriberPool::allConnected, this, connected);
        connect(m_pool, &SubscriberPool::drained, this, &LoadRun::finish);
        connect(m_pool, &SubscriberPool::failed, this, &LoadRun::fail);
    }
    m_phase = Phase::Connecting;
    m_intervalTimer->start(m_options.intervalMs);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] {
        if (m_phase == Phase::Connecting) {
            fail(welcomed() < subscriberCount()
                     ? QStringLiteral("only %1 of %2 subscribers connected within %3 s")
                           .arg(welcomed()).arg(subscriberCount()).arg(m_options.connectTimeoutSeconds)
                     : QStringLiteral("the %1 subscribers connected, but the channel's join events were still "
                                      "arriving after %2 s (--connect-timeout)")
                           .arg(subscriberCount()).arg(m_options.connectTimeoutSeconds));
        }
    });
    m_deadlineTimer->start(m_options.connectTimeoutSeconds * 1000);
    if (m_workers)
        m_workers->start();
    else
        m_pool->start();
}

void LoadRun::startPublishers()
{
    m_deadlineTimer->stop();
    emit progressed(QStringLiteral("all %1 subscribers connected and the channel settled in %2 ms; starting %3 publisher(s)")
                        .arg(subscriberCount()).arg(m_clock.elapsed()).arg(m_options.publishers));
    // Workers start counting payloads as soon as they are all connected (LoadWorker).
    if (m_pool)
        m_pool->acceptPublishers(m_options.publishers);
    m_publishers.resize(size_t(m_options.publishers));
    for (Publisher &p : m_publishers) {
        if (m_options.protocol == LoadOptions::Protocol::Nchan)
            startNchanPublisher(&p);
        else
            startDuplexPublisher(&p);
    }
}

void LoadRun::startDuplexPublisher(Publisher *publisher)
{
    client::WebSocketClient::Options o;
    o.host = m_options.host;
    o.port = m_options.port;
    o.channel = m_options.channel;
    publisher->client = std::make_unique<client::WebSocketClient>(o);
    client::WebSocketClient *ws = publisher->client.get();
    connect(ws, &client::WebSocketClient::welcomed, this, [this, publisher] { handlePublisherWelcomed(publisher); });
    // Acks and failures come back in publish order (one connection, FIFO).
    connect(ws, &client::WebSocketClient::published, this, [this, publisher] { handlePublished(publisher); });
    connect(ws, &client::WebSocketClient::publishFailed, this, [this, publisher] { handlePublishFailed(publisher); });
    ws->start();
}

void LoadRun::startNchanPublisher(Publisher *publisher)
{
    peer::NchanPublisher::Options o;
    o.host = m_options.host;
    o.port = m_options.port;
    o.path = QString::fromLatin1(peer::kNchanPublishPath);
    o.channel = m_options.channel;
    publisher->nchan = std::make_unique<peer::NchanPublisher>(o);
    peer::NchanPublisher *nchan = publisher->nchan.get();
    // NchanPublisher answers in publish order too (one keep-alive connection).
    connect(nchan, &peer::NchanPublisher::published, this, [this, publisher] { handlePublished(publisher); });
    connect(nchan, &peer::NchanPublisher::publishFailed, this, [this, publisher] { handlePublishFailed(publisher); });
    // An HTTP publisher has no session to wait for; its first POST opens the connection.
    // Queued, so publishing starts from the event loop as it does after a welcome.
    QMetaObject::invokeMethod(this, [this, publisher] { handlePublisherWelcomed(publisher); }, Qt::QueuedConnection);
}

void LoadRun::handlePublisherWelcomed(Publisher *publisher)
{
    if (publisher->welcomed)
        return;
    publisher->welcomed = true;
    const bool all = std::all_of(m_publishers.cbegin(), m_publishers.cend(), [](const Publisher &x) { return x.welcomed; });
    if (!all || m_phase != Phase::Connecting)
        return;
    m_phase = Phase::Publishing;
    m_publishClock.start();
    emit progressed(QStringLiteral("publishing %1 messages of %2 characters at %3/s")
                        .arg(totalToSend()).arg(m_options.size).arg(m_options.rate));
    emit publishingStarted();
    // Ticks at a quarter of the interval between messages: a late tick then
    // sends its message a little late instead of two at once with the next.
    m_publishTimer->start(std::clamp(int(250 / m_options.rate), 1, 10));
    publishTick();
}

void LoadRun::handlePublished(Publisher *publisher)
{
    if (!publisher->inFlight.empty())
        publisher->inFlight.pop_front();
    ++publisher->acked;
    checkDrained();
}

void LoadRun::handlePublishFailed(Publisher *publisher)
{
    if (!publisher->inFlight.empty()) {
        publisher->tally.failed.insert(publisher->inFlight.front());
        publisher->inFlight.pop_front();
    }
    checkDrained();
}

void LoadRun::publishTick()
{
    if (m_phase != Phase::Publishing)
        return;
    const qint64 total = totalToSend();
    qint64 sent = 0;
    for (const Publisher &p : m_publishers)
        sent += p.tally.sent;
    // Catches up with the schedule rather than counting ticks, which drift.
    const qint64 due = std::min(total, 1 + qint64(double(m_publishClock.nsecsElapsed()) / 1e9 * m_options.rate));
    for (; sent < due; ++sent) {
        // The next publisher that is connected: one whose node died waits for its
        // reconnect, and the schedule catches up meanwhile.
        int index = -1;
        for (size_t tries = 0; tries < m_publishers.size() && index < 0; ++tries) {
            const int candidate = m_nextPublisher;
            m_nextPublisher = (m_nextPublisher + 1) % int(m_publishers.size());
            // nchan's publisher is an HTTP client: always ready, a failure is its answer.
            const Publisher &p = m_publishers[size_t(candidate)];
            if (p.nchan || p.client->isConnected())
                index = candidate;
        }
        if (index < 0)
            break;
        Publisher &p = m_publishers[size_t(index)];
        const load::Payload payload{index, p.tally.sent, load::nowMicros()};
        p.inFlight.push_back(p.tally.sent);
        ++p.tally.sent;
        const QString text = load::encodePayload(payload, m_options.size);
        if (p.nchan)
            p.nchan->publish(text);
        else
            p.client->publish(text);
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
    if (m_phase != Phase::Draining || m_drainRequested)
        return;
    qint64 sent = 0;
    qint64 answered = 0;
    for (const Publisher &p : m_publishers) {
        sent += p.tally.sent;
        answered += p.acked + p.tally.failed.size();
    }
    if (answered < sent)
        return;
    // Every publish is answered, so the tallies are final: the subscribers can tell when
    // they have everything, and the run ends then rather than after the grace period.
    m_drainRequested = true;
    if (m_pool)
        m_pool->setDrainTarget(tallies());
    else
        m_workers->expect(tallies());
}

void LoadRun::reportInterval()
{
    if (m_pool)
        emitInterval(m_clock.elapsed(), m_pool->takeInterval());
    else
        m_workers->requestInterval(m_clock.elapsed());

    qint64 sent = 0;
    for (const Publisher &p : m_publishers)
        sent += p.tally.sent;
    QString eta;
    if (m_phase == Phase::Publishing && sent > 0) {
        const double remaining = double(totalToSend() - sent) / m_options.rate;
        eta = QStringLiteral(" | ETA %1 s").arg(remaining, 0, 'f', 1);
    }
    emit statusUpdated(QStringLiteral("connected %1/%2 | published %3/%4%5")
                        .arg(welcomed()).arg(subscriberCount()).arg(sent).arg(totalToSend()).arg(eta));
}

void LoadRun::emitInterval(qint64 elapsedMs, const QList<load::TransportInterval> &transports)
{
    // With --histograms the lines carry the merge detail (histogram and sample counts).
    emit intervalReported(load::intervalJsonLine(elapsedMs, transports,
                                                 m_options.histograms ? load::IntervalJson::ForMerge : load::IntervalJson::Public));
}

void LoadRun::stop()
{
    if (m_phase == Phase::Publishing)
        finishPublishing();
    if (m_phase == Phase::Draining)
        finish();
    else if (m_phase == Phase::Connecting)
        fail(QStringLiteral("stopped while connecting (%1 of %2 subscribers connected)").arg(welcomed()).arg(subscriberCount()));
    else if (m_phase == Phase::Finishing)
        fail(QStringLiteral("stopped again while the workers were reporting"));
}

void LoadRun::finish()
{
    if (m_phase == Phase::Finishing || m_phase == Phase::Done)
        return;
    m_phase = Phase::Finishing;
    m_publishTimer->stop();
    m_intervalTimer->stop();
    m_deadlineTimer->stop();
    stopPublishers();
    const std::vector<PublisherTally> final = tallies();
    qint64 uncertain = 0;
    for (const PublisherTally &t : final)
        uncertain += t.failed.size();
    if (uncertain > 0)
        emit progressed(QStringLiteral("%1 publishes failed with their connection; they are left out of the counts").arg(uncertain));
    if (m_pool) {
        reportInterval();
        const SubscriberResult result = m_pool->result(final);
        m_pool->stop();
        complete(result);
    } else {
        // The last interval and the workers' figures come back as intervalCollected and
        // finalCollected.
        m_workers->finish(m_clock.elapsed(), final);
    }
}

void LoadRun::complete(const SubscriberResult &result)
{
    if (m_phase != Phase::Finishing)
        return;
    m_phase = Phase::Done;
    // Every process serves every transport: the run's CPU (this process's since start()
    // plus the workers') is in each row.
    const double cpuSeconds = double(util::cpuTimeMicros() - m_cpuAtStartUs) / 1e6;
    const double publishSeconds = std::max(0.001, double(m_publishEndedMs) / 1000.0);
    QList<load::TransportSummary> summaries = result.summaries;
    QByteArray csv = load::csvHeader();
    for (qsizetype i = 0; i < summaries.size() && size_t(i) < result.series.size(); ++i) {
        load::TransportSummary &s = summaries[i];
        const load::InterMessageSeries &series = result.series[size_t(i)];
        // From the (merged) series, exact, rather than mergeSummaries' approximation.
        s.meanInterMessageMs = series.overall().meanMs;
        s.throughputPerSec = double(s.delivered) / publishSeconds;
        s.clientCpuSeconds += cpuSeconds;
        csv += load::csvRows(s.transport, series.rows());
    }
    m_result = result;
    m_result.summaries = summaries;
    emit finished(load::summaryJson(m_clock.elapsed(), summaries), load::summaryTable(summaries), csv);
}

void LoadRun::stopPublishers()
{
    for (Publisher &p : m_publishers) {
        if (p.client)
            p.client->stop();
        if (p.nchan)
            p.nchan->abort();
    }
}

void LoadRun::fail(const QString &reason)
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_publishTimer->stop();
    m_intervalTimer->stop();
    m_deadlineTimer->stop();
    if (m_pool)
        m_pool->stop();
    if (m_workers)
        m_workers->kill();
    stopPublishers();
    emit failed(reason);
}

} // namespace duplex::loadgen
