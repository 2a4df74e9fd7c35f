#include "bench/benchrun.h"

#include "loadgen/loadrun.h"
#include "protocol/transport.h"
#include "util/procstats.h"

#include <QSaveFile>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace duplex::bench {

namespace {

// Beyond the connect timeout, publishing and grace: the target's start and stop.
constexpr int kDeadlineSlackS = 120;
// Cluster::stop() gives each child 3 s before SIGKILL; they stop in parallel.
constexpr int kStopTimeoutMs = 15000;

// Per unit of `count`, or NaN when either reading is unknown or nothing was counted.
double cpuPer(const BenchTarget::Reading &from, const BenchTarget::Reading &to, qint64 count)
{
    return from.cpuKnown() && to.cpuKnown() && count > 0 ? double(to.cpuMicros - from.cpuMicros) / double(count) : std::nan("");
}

} // namespace

BenchRun::BenchRun(BenchRunConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_target(new BenchTarget(m_config.target, this))
    , m_deadlineTimer(new QTimer(this))
{
    connect(m_target, &BenchTarget::progressed, this, &BenchRun::progressed);
    connect(m_target, &BenchTarget::started, this, &BenchRun::handleTargetStarted);
    connect(m_target, &BenchTarget::failed, this, &BenchRun::finish);
    connect(m_target, &BenchTarget::faulted, this, [this](const QString &reason) { m_problems << reason; });
    m_deadlineTimer->setSingleShot(true);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] { finish(QStringLiteral("hard deadline reached")); });
}

BenchRun::~BenchRun() = default;

void BenchRun::start()
{
    const loadgen::LoadOptions &o = m_config.load;
    const double publishS = o.messages > 0 ? double(o.messages) / o.rate : o.durationSeconds;
    m_deadlineTimer->start(int((o.connectTimeoutSeconds + publishS + o.graceSeconds + kDeadlineSlackS) * 1000));
    emit progressed(QStringLiteral("starting %1").arg(m_target->description()));
    m_target->start();
}

void BenchRun::interrupt(const QString &reason)
{
    if (m_failure.isEmpty())
        m_failure = reason;
    // A run that is publishing stops and still reports what it measured.
    if (m_run && !m_finishing)
        m_run->stop();
    else
        finish(reason);
}

BenchRun::Snapshot BenchRun::snapshot() const
{
    Snapshot s;
    s.servers = m_target->readServers();
    for (const protocol::Transport transport : protocol::kTransports)
        s.transports.insert(transport, m_target->readTransport(transport));
    return s;
}

void BenchRun::handleTargetStarted()
{
    if (m_finishing)
        return;
    m_atRest = snapshot();
    emit progressed(QStringLiteral("up on port %1").arg(m_target->port()));
    loadgen::LoadOptions options = m_config.load;
    options.host = QStringLiteral("127.0.0.1");
    options.port = m_target->port();
    m_run = new loadgen::LoadRun(options, this);
    connect(m_run, &loadgen::LoadRun::progressed, this, &BenchRun::progressed);
    connect(m_run, &loadgen::LoadRun::publishingStarted, this, &BenchRun::handlePublishingStarted);
    connect(m_run, &loadgen::LoadRun::finished, this,
            [this](const QByteArray &, const QString &, const QByteArray &csv) { handleRunFinished(csv); });
    connect(m_run, &loadgen::LoadRun::failed, this, &BenchRun::finish);
    m_run->start();
}

void BenchRun::handlePublishingStarted()
{
    // Every subscriber is connected: memory now is theirs, CPU from now on is delivering.
    m_loaded = snapshot();
    m_ownCpuStart = util::cpuTimeMicros();
    m_publishClock.start();
}

void BenchRun::handleRunFinished(const QByteArray &csv)
{
    // Read now, before the subscribers' connections close.
    m_atEnd = snapshot();
    m_ownCpuEnd = util::cpuTimeMicros();
    m_publishSeconds = m_publishClock.isValid() ? double(m_publishClock.nsecsElapsed()) / 1e9 : -1;
    m_measured = true;
    QString failure;
    if (!m_config.csvPath.isEmpty()) {
        QSaveFile file(m_config.csvPath);
        if (!file.open(QIODevice::WriteOnly) || file.write(csv) < 0 || !file.commit())
            failure = QStringLiteral("cannot write %1: %2").arg(m_config.csvPath, file.errorString());
    }
    finish(failure);
}

void BenchRun::finish(const QString &failure)
{
    if (m_failure.isEmpty())
        m_failure = failure;
    if (m_finishing)
        return;
    m_finishing = true;
    m_deadlineTimer->stop();
    m_report = buildReport();
    // Queued: finish() may run inside a signal of a client that stopping deletes.
    QTimer::singleShot(0, this, &BenchRun::stopTarget);
}

BenchReport BenchRun::buildReport() const
{
    BenchReport r;
    r.title = m_config.title;
    if (m_measured) {
        const loadgen::SubscriberResult &result = m_run->result();
        qint64 delivered = 0;
        for (qsizetype i = 0; i < result.summaries.size(); ++i) {
            BenchReport::Transport t;
            t.summary = result.summaries.at(i);
            if (size_t(i) < result.series.size())
                t.interMessageSpreadMs = result.series[size_t(i)].overall().clientStddevMs;
            if (size_t(i) < result.details.size())
                t.detail = result.details[size_t(i)];
            const protocol::Transport transport = t.summary.transport;
            const BenchTarget::Reading rest = m_atRest.transports.value(transport, {-1, -1});
            const BenchTarget::Reading loaded = m_loaded.transports.value(transport, {-1, -1});
            t.nodeCpuPerDeliveryUs = cpuPer(loaded, m_atEnd.transports.value(transport, {-1, -1}), t.summary.delivered);
            // The publisher holds a WebSocket connection too.
            const int connections = t.summary.clients + (transport == protocol::Transport::WebSocket ? 1 : 0);
            if (rest.memoryKnown() && loaded.memoryKnown())
                t.nodeRssPerClientKiB = double(std::max<qint64>(0, loaded.residentBytes - rest.residentBytes)) / double(connections) / 1024.0;
            delivered += t.summary.delivered;
            r.published = std::max(r.published, t.summary.clients > 0 ? t.summary.expected / t.summary.clients : 0);
            r.transports << t;
        }
        r.serverCpuPerDeliveryUs = cpuPer(m_loaded.servers, m_atEnd.servers, delivered);
        r.publishSeconds = m_publishSeconds;
        if (m_ownCpuStart >= 0 && m_ownCpuEnd >= 0 && m_publishSeconds > 0)
            r.benchCpuPercent = double(m_ownCpuEnd - m_ownCpuStart) / 1e6 / m_publishSeconds * 100.0;
    }
    if (!m_failure.isEmpty())
        r.failures << m_failure;
    else if (!m_measured)
        r.failures << QStringLiteral("the run ended without a measurement");
    r.failures << m_problems;
    if (m_config.requireComplete) {
        for (const BenchReport::Transport &t : r.transports) {
            const QString name = protocol::transportLabel(t.summary.transport);
            if (t.summary.lost > 0)
                r.failures << QStringLiteral("%1: %2 deliveries lost (%3 reconnects, %4 errors)")
                                  .arg(name).arg(t.summary.lost).arg(t.summary.reconnects).arg(t.summary.errors);
            if (t.summary.duplicated > 0)
                r.failures << QStringLiteral("%1: %2 deliveries duplicated").arg(name).arg(t.summary.duplicated);
        }
    }
    return r;
}

void BenchRun::stopTarget()
{
    // Our clients go first, so the nodes see them leave rather than die under them.
    delete m_run;
    m_run = nullptr;
    auto report = [this] {
        if (m_reported)
            return;
        m_reported = true;
        emit finished(m_report);
    };
    connect(m_target, &BenchTarget::stopped, this, report);
    QTimer::singleShot(kStopTimeoutMs, this, [this, report] {
        if (!m_reported)
            m_report.failures << QStringLiteral("the target did not stop within %1 s").arg(kStopTimeoutMs / 1000);
        report();
    });
    m_target->stop();
}

} // namespace duplex::bench
