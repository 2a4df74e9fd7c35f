#include "bench/clusterbench.h"

#include "loadgen/loadrun.h"
#include "protocol/transport.h"
#include "util/procstats.h"

#include <QCoreApplication>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace duplex::loadgen {

namespace {

// Beyond the connect timeout, publishing and grace: the cluster's start and stop.
constexpr int kDeadlineSlackS = 120;
// Cluster::stop() gives each child 3 s before SIGKILL; they stop in parallel.
constexpr int kStopTimeoutMs = 15000;

int roleIndex(util::Role role)
{
    return role == util::Role::WebSocket ? 0 : 1;
}

util::Role roleOf(const QString &transport)
{
    return transport == protocol::transportName(protocol::Transport::WebSocket) ? util::Role::WebSocket : util::Role::Comet;
}

} // namespace

ClusterBench::ClusterBench(ClusterBenchConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_deadlineTimer(new QTimer(this))
{
    control::ClusterConfig clusterConfig;
    clusterConfig.webSocketNodes = m_config.webSocketNodes;
    clusterConfig.cometNodes = m_config.cometNodes;
    clusterConfig.port = 0;
    clusterConfig.binDir = QCoreApplication::applicationDirPath();
    m_cluster = new control::Cluster(clusterConfig, this);
    connect(m_cluster, &control::Cluster::progress, this, [this](const QString &step) { emit progressed(QStringLiteral("cluster: ") + step); });
    connect(m_cluster, &control::Cluster::started, this, &ClusterBench::handleClusterStarted);
    connect(m_cluster, &control::Cluster::startFailed, this,
            [this](const QString &reason) { finish(QStringLiteral("the cluster did not start: ") + reason); });
    connect(m_cluster, &control::Cluster::failed, this, &ClusterBench::finish);
    connect(m_cluster, &control::Cluster::nodeExited, this, [this](const QString &name, const QString &description, const QStringList &tail) {
        m_problems << QStringLiteral("%1 exited during the run (%2)%3")
                          .arg(name, description, tail.isEmpty() ? QString() : QStringLiteral(": ") + tail.last());
    });
    m_deadlineTimer->setSingleShot(true);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] { finish(QStringLiteral("hard deadline reached")); });
}

ClusterBench::~ClusterBench() = default;

void ClusterBench::run()
{
    const LoadOptions &o = m_config.load;
    const double publishS = double(o.messages) / o.rate;
    m_deadlineTimer->start(int((o.connectTimeoutSeconds + publishS + o.graceSeconds + kDeadlineSlackS) * 1000));
    m_cluster->start();
}

void ClusterBench::interrupt(const QString &reason)
{
    if (m_failure.isEmpty())
        m_failure = reason;
    // A run that is publishing stops and still reports what it measured.
    if (m_run && !m_finishing)
        m_run->stop();
    else
        finish(reason);
}

void ClusterBench::handleClusterStarted()
{
    if (m_finishing)
        return;
    for (const util::Role role : {util::Role::WebSocket, util::Role::Comet})
        m_atRest[roleIndex(role)] = readNodes(role);
    emit progressed(QStringLiteral("cluster is up on port %1").arg(m_cluster->port()));
    LoadOptions options = m_config.load;
    options.host = QStringLiteral("127.0.0.1");
    options.port = m_cluster->port();
    m_run = new LoadRun(options, this);
    connect(m_run, &LoadRun::progressed, this, &ClusterBench::progressed);
    connect(m_run, &LoadRun::publishingStarted, this, &ClusterBench::handlePublishingStarted);
    connect(m_run, &LoadRun::finished, this, &ClusterBench::handleRunFinished);
    connect(m_run, &LoadRun::failed, this, &ClusterBench::finish);
    m_run->start();
}

void ClusterBench::handlePublishingStarted()
{
    // Every subscriber is connected: memory now is theirs, CPU from now on is delivering.
    for (const util::Role role : {util::Role::WebSocket, util::Role::Comet})
        m_loaded[roleIndex(role)] = readNodes(role);
    m_ownCpuStart = util::cpuTimeMicros();
    m_publishClock.start();
}

void ClusterBench::handleRunFinished()
{
    // Read now, before the subscribers' connections close.
    for (const util::Role role : {util::Role::WebSocket, util::Role::Comet})
        m_atEnd[roleIndex(role)] = readNodes(role);
    m_ownCpuEnd = util::cpuTimeMicros();
    m_publishSeconds = m_publishClock.isValid() ? double(m_publishClock.nsecsElapsed()) / 1e9 : -1;
    m_measured = true;
    finish(QString());
}

void ClusterBench::finish(const QString &failure)
{
    if (m_failure.isEmpty())
        m_failure = failure;
    if (m_finishing)
        return;
    m_finishing = true;
    m_deadlineTimer->stop();
    m_report = buildReport();
    // Queued: finish() may run inside a signal of a client that stopping deletes.
    QTimer::singleShot(0, this, &ClusterBench::stopCluster);
}

BenchReport ClusterBench::buildReport() const
{
    BenchReport r;
    const LoadOptions &o = m_config.load;
    r.title = QStringLiteral("%1: 1 WebSocket publisher, %2 messages of %3 characters at %4/s; %5 client(s) per transport; "
                             "%6 WebSocket + %7 Comet nodes behind nginx")
                  .arg(m_config.program()).arg(o.messages).arg(o.size).arg(o.rate).arg(o.clients)
                  .arg(m_config.webSocketNodes).arg(m_config.cometNodes);
    if (m_measured) {
        const SubscriberResult &result = m_run->result();
        for (qsizetype i = 0; i < result.summaries.size(); ++i) {
            BenchReport::Transport t;
            t.summary = result.summaries.at(i);
            if (size_t(i) < result.series.size())
                t.interMessageSpreadMs = result.series[size_t(i)].overall().clientStddevMs;
            if (size_t(i) < result.details.size())
                t.detail = result.details[size_t(i)];
            const int role = roleIndex(roleOf(t.summary.transport));
            if (m_loaded[role].cpuMicros >= 0 && m_atEnd[role].cpuMicros >= 0 && t.summary.delivered > 0)
                t.nodeCpuPerDeliveryUs = double(m_atEnd[role].cpuMicros - m_loaded[role].cpuMicros) / double(t.summary.delivered);
            // The publisher holds a WebSocket connection too.
            const int connections = t.summary.clients + (role == 0 ? 1 : 0);
            if (m_atRest[role].residentBytes > 0 && m_loaded[role].residentBytes > 0)
                t.nodeRssPerClientKiB = double(std::max<qint64>(0, m_loaded[role].residentBytes - m_atRest[role].residentBytes))
                    / double(connections) / 1024.0;
            r.published = std::max(r.published, t.summary.clients > 0 ? t.summary.expected / t.summary.clients : 0);
            r.transports << t;
        }
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

ClusterBench::NodeReading ClusterBench::readNodes(util::Role role) const
{
    NodeReading reading;
    for (const control::NodeStatus &node : m_cluster->nodes()) {
        if (node.role != role || node.pid <= 0)
            continue;
        const qint64 cpu = util::cpuTimeMicros(node.pid);
        const qint64 rss = util::residentBytes(node.pid);
        reading.cpuMicros = cpu < 0 || reading.cpuMicros < 0 ? -1 : reading.cpuMicros + cpu;
        reading.residentBytes = rss <= 0 || reading.residentBytes < 0 ? -1 : reading.residentBytes + rss;
    }
    return reading;
}

void ClusterBench::stopCluster()
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
    if (m_cluster->state() == control::Cluster::State::Stopped) {
        QTimer::singleShot(0, this, report);
        return;
    }
    connect(m_cluster, &control::Cluster::stopped, this, report);
    QTimer::singleShot(kStopTimeoutMs, this, [this, report] {
        m_report.failures << QStringLiteral("the cluster did not stop within %1 s").arg(kStopTimeoutMs / 1000);
        report();
    });
    m_cluster->stop();
}

} // namespace duplex::loadgen
