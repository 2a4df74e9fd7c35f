#include "ctl/upcommand.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

namespace duplex::ctl {

using control::Cluster;
using control::NodeStatus;

UpCommand::UpCommand(const control::ClusterConfig &config, QObject *parent)
    : QObject(parent)
    , m_cluster(new Cluster(config, this))
{
    connect(m_cluster, &Cluster::progress, this, [this](const QString &step) { emit reported(QStringLiteral("duplexctl: ") + step); });
    connect(m_cluster, &Cluster::started, this, &UpCommand::handleStarted);
    connect(m_cluster, &Cluster::startFailed, this, [this](const QString &reason) {
        m_exitCode = 1;
        emit problemReported(QStringLiteral("duplexctl: cannot start the cluster: ") + reason);
    });
    connect(m_cluster, &Cluster::failed, this, [this](const QString &reason) {
        m_exitCode = 1;
        emit problemReported(QStringLiteral("duplexctl: ") + reason);
    });
    connect(m_cluster, &Cluster::nodeExited, this, [this](const QString &name, const QString &description, const QStringList &tail) {
        QString line = QStringLiteral("duplexctl: %1 exited (%2)").arg(name, description);
        if (!tail.isEmpty())
            line += QStringLiteral("; last stderr lines:\n    ") + tail.mid(std::max<qsizetype>(0, tail.size() - 5)).join(QStringLiteral("\n    "));
        emit problemReported(line);
    });
    connect(m_cluster, &Cluster::nodeRestarting, this, [this](const QString &name, int delayMs) {
        emit reported(QStringLiteral("duplexctl: restarting %1 in %2 ms").arg(name).arg(delayMs));
    });
    connect(m_cluster, &Cluster::nodeStarted, this, [this](const QString &name) {
        if (m_cluster->state() == Cluster::State::Running)
            emit reported(QStringLiteral("duplexctl: %1 is up").arg(name));
    });
    connect(m_cluster, &Cluster::statsUpdated, this, &UpCommand::handleStats);
    connect(m_cluster, &Cluster::stopped, this, [this] {
        emit reported(QStringLiteral("duplexctl: stopped"));
        emit finished(m_exitCode);
    });
}

void UpCommand::start()
{
    m_cluster->start();
}

void UpCommand::interrupt()
{
    m_cluster->stop();
}

void UpCommand::handleStarted()
{
    const QString url = m_cluster->publicUrl();
    QStringList lines;
    lines << QStringLiteral("Duplex is up:");
    lines << QStringLiteral("  web client  %1").arg(url);
    QJsonArray pids;
    QJsonObject nodes;
    QStringList wsNodes, cometNodes;
    for (const NodeStatus &n : m_cluster->nodes()) {
        pids.append(n.pid);
        nodes.insert(n.name, QJsonObject{{QStringLiteral("pid"), n.pid}, {QStringLiteral("port"), n.port}});
        if (n.role == util::Role::WebSocket)
            wsNodes << QStringLiteral("%1 :%2").arg(n.name).arg(n.port);
        else if (n.role == util::Role::Comet)
            cometNodes << QStringLiteral("%1 :%2").arg(n.name).arg(n.port);
    }
    if (!wsNodes.isEmpty())
        lines << QStringLiteral("  WebSocket   ws://127.0.0.1:%1/ws/?channel=main   (%2)").arg(m_cluster->port()).arg(wsNodes.join(QStringLiteral(", ")));
    if (!cometNodes.isEmpty())
        lines << QStringLiteral("  Comet       %1xhr/subscribe?channel=main   (%2)").arg(url, cometNodes.join(QStringLiteral(", ")));
    lines << QStringLiteral("  runtime     %1 (nginx.conf, logs/)").arg(m_cluster->runtimeDir());
    lines << QStringLiteral("Stop with Ctrl-C.");
    emit reported(lines.join(QLatin1Char('\n')));
    // For scripts and tests: the same facts in one machine-readable line.
    emit clusterReady({{QStringLiteral("role"), QStringLiteral("cluster")},
                       {QStringLiteral("port"), m_cluster->port()},
                       {QStringLiteral("url"), url},
                       {QStringLiteral("runtimeDir"), m_cluster->runtimeDir()},
                       {QStringLiteral("pids"), pids},
                       {QStringLiteral("nodes"), nodes}});
}

void UpCommand::handleStats(const QList<NodeStatus> &nodes)
{
    QStringList parts;
    for (const NodeStatus &n : nodes) {
        if (n.role != util::Role::WebSocket && n.role != util::Role::Comet)
            continue;
        parts << (n.state == process::ChildProcess::State::Running
                      ? QStringLiteral("%1 %2 conn %3 ev/s").arg(n.name).arg(qint64(n.connections)).arg(qint64(n.eventsPerSecond + 0.5))
                      : QStringLiteral("%1 %2").arg(n.name, process::stateName(n.state)));
    }
    emit statusUpdated(parts.join(QStringLiteral(" | ")));
}

} // namespace duplex::ctl
