#include "bench/benchtarget.h"

#include "control/cluster.h"
#include "peer/nchanserver.h"
#include "util/procstats.h"

#include <QCoreApplication>
#include <QTimer>

namespace duplex::bench {

namespace {

util::Role roleOf(protocol::Transport transport)
{
    switch (transport) {
    case protocol::Transport::WebSocket:
        return util::Role::WebSocket;
    case protocol::Transport::Comet:
        return util::Role::Comet;
    }
    return util::Role::WebSocket;
}

} // namespace

BenchTarget::BenchTarget(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
}

BenchTarget::~BenchTarget() = default;

QString BenchTarget::description() const
{
    if (m_config.kind == Kind::Nchan)
        return QStringLiteral("nchan (nginx with libnginx-mod-nchan, %1 workers)").arg(m_config.nchanWorkers);
    return QStringLiteral("%1 WebSocket + %2 Comet nodes behind nginx").arg(m_config.webSocketNodes).arg(m_config.cometNodes);
}

void BenchTarget::start()
{
    if (m_config.kind == Kind::Nchan)
        startNchan();
    else
        startCluster();
}

void BenchTarget::startCluster()
{
    control::ClusterConfig config;
    config.webSocketNodes = m_config.webSocketNodes;
    config.cometNodes = m_config.cometNodes;
    config.port = 0;
    config.nginxProgram = m_config.nginxProgram;
    config.binDir = m_config.binDir.isEmpty() ? QCoreApplication::applicationDirPath() : m_config.binDir;
    m_cluster = std::make_unique<control::Cluster>(config);
    control::Cluster *cluster = m_cluster.get();
    connect(cluster, &control::Cluster::progress, this, [this](const QString &step) { emit progressed(QStringLiteral("cluster: ") + step); });
    connect(cluster, &control::Cluster::started, this, &BenchTarget::started);
    connect(cluster, &control::Cluster::startFailed, this,
            [this](const QString &reason) { emit failed(QStringLiteral("the cluster did not start: ") + reason); });
    connect(cluster, &control::Cluster::failed, this,
            [this](const QString &reason) { emit failed(QStringLiteral("the cluster failed: ") + reason); });
    connect(cluster, &control::Cluster::nodeExited, this, [this](const QString &name, const QString &description, const QStringList &tail) {
        emit faulted(QStringLiteral("%1 exited during the run (%2)%3")
                         .arg(name, description, tail.isEmpty() ? QString() : QStringLiteral(": ") + tail.last()));
    });
    connect(cluster, &control::Cluster::stopped, this, [this] {
        if (m_stopping)
            emit stopped();
    });
    cluster->start();
}

void BenchTarget::startNchan()
{
    peer::NchanServer::Options options;
    options.port = 0;
    options.workers = m_config.nchanWorkers;
    options.nginxProgram = m_config.nginxProgram;
    m_nchan = std::make_unique<peer::NchanServer>(options);
    peer::NchanServer *nchan = m_nchan.get();
    connect(nchan, &peer::NchanServer::started, this, &BenchTarget::started);
    connect(nchan, &peer::NchanServer::startFailed, this,
            [this](const QString &reason) { emit failed(QStringLiteral("nchan did not start: ") + reason); });
    connect(nchan, &peer::NchanServer::failed, this, [this](const QString &reason) { emit failed(QStringLiteral("nchan failed: ") + reason); });
    connect(nchan, &peer::NchanServer::stopped, this, [this] {
        if (m_stopping)
            emit stopped();
    });
    nchan->start();
}

void BenchTarget::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    // Stopping is asked for: what the parts say while going is no longer news.
    if (m_cluster) {
        disconnect(m_cluster.get(), &control::Cluster::nodeExited, this, nullptr);
        disconnect(m_cluster.get(), &control::Cluster::failed, this, nullptr);
        if (m_cluster->state() != control::Cluster::State::Stopped) {
            m_cluster->stop();
            return;
        }
    }
    if (m_nchan) {
        disconnect(m_nchan.get(), &peer::NchanServer::failed, this, nullptr);
        if (m_nchan->state() != peer::NchanServer::State::Stopped) {
            m_nchan->stop();
            return;
        }
    }
    // Nothing runs (never started, or it already stopped after failing): stop() would say
    // nothing, so this says it, from the event loop as it would.
    QTimer::singleShot(0, this, &BenchTarget::stopped);
}

quint16 BenchTarget::port() const
{
    if (m_cluster)
        return m_cluster->port();
    return m_nchan ? m_nchan->port() : 0;
}

QList<qint64> BenchTarget::serverPids() const
{
    if (m_nchan)
        return m_nchan->pids();
    QList<qint64> pids;
    if (!m_cluster)
        return pids;
    for (const control::NodeStatus &node : m_cluster->nodes()) {
        if (node.pid <= 0)
            continue;
        pids << node.pid;
        if (node.role == util::Role::Nginx)
            pids << util::childProcesses(node.pid);
    }
    return pids;
}

QList<qint64> BenchTarget::transportPids(protocol::Transport transport) const
{
    QList<qint64> pids;
    if (m_nchan) {
        const qint64 master = m_nchan->masterPid();
        for (const qint64 pid : m_nchan->pids()) {
            if (pid != master)
                pids << pid;
        }
        return pids;
    }
    if (!m_cluster)
        return pids;
    for (const control::NodeStatus &node : m_cluster->nodes()) {
        if (node.role == roleOf(transport) && node.pid > 0)
            pids << node.pid;
    }
    return pids;
}

QList<qint64> BenchTarget::rolePids(util::Role role) const
{
    QList<qint64> pids;
    if (!m_cluster)
        return pids;
    for (const control::NodeStatus &node : m_cluster->nodes()) {
        if (node.role != role || node.pid <= 0)
            continue;
        pids << node.pid;
        if (role == util::Role::Nginx)
            pids << util::childProcesses(node.pid);
    }
    return pids;
}

quint16 BenchTarget::adminPort(util::Role role) const
{
    if (!m_cluster)
        return 0;
    for (const control::NodeStatus &node : m_cluster->nodes()) {
        if (node.role == role && node.adminPort > 0)
            return node.adminPort;
    }
    return 0;
}

BenchTarget::Reading BenchTarget::readServers() const
{
    return read(serverPids());
}

BenchTarget::Reading BenchTarget::readTransport(protocol::Transport transport) const
{
    return read(transportPids(transport));
}

BenchTarget::Reading BenchTarget::readRole(util::Role role) const
{
    return read(rolePids(role));
}

BenchTarget::Reading BenchTarget::read(const QList<qint64> &pids)
{
    Reading reading;
    if (pids.isEmpty())
        return Reading{-1, -1};
    for (const qint64 pid : pids) {
        const qint64 cpu = util::cpuTimeMicros(pid);
        const qint64 rss = util::residentBytes(pid);
        reading.cpuMicros = cpu < 0 || reading.cpuMicros < 0 ? -1 : reading.cpuMicros + cpu;
        reading.residentBytes = rss <= 0 || reading.residentBytes < 0 ? -1 : reading.residentBytes + rss;
    }
    return reading;
}

} // namespace duplex::bench
