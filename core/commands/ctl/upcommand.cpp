#include "ctl/upcommand.h"

#include <QJsonArray>
#include <QJsonObject>

#include "util/monotonic.h"
#include "util/readyline.h"

#include <cstdio>
#include <unistd.h>

namespace duplex::control {

namespace {
// Without a terminal, the status goes out as plain lines this often.
constexpr qint64 kPlainStatusIntervalMs = 10000;
}

UpCommand::UpCommand(const ClusterConfig &config, QObject *parent)
    : QObject(parent)
    , m_cluster(new Cluster(config, this))
    , m_tty(::isatty(STDOUT_FILENO) == 1)
{
    connect(m_cluster, &Cluster::progress, this, [this](const QString &step) { printLine(QStringLiteral("duplexctl: ") + step); });
    connect(m_cluster, &Cluster::started, this, &UpCommand::handleStarted);
    connect(m_cluster, &Cluster::startFailed, this, [this](const QString &reason) {
        m_exitCode = 1;
        printLine(QStringLiteral("duplexctl: cannot start the cluster: ") + reason, true);
    });
    connect(m_cluster, &Cluster::failed, this, [this](const QString &reason) {
        m_exitCode = 1;
        printLine(QStringLiteral("duplexctl: ") + reason, true);
    });
    connect(m_cluster, &Cluster::nodeExited, this, [this](const QString &name, const QString &description, const QStringList &tail) {
        QString line = QStringLiteral("duplexctl: %1 exited (%2)").arg(name, description);
        if (!tail.isEmpty())
            line += QStringLiteral("; last stderr lines:\n    ") + tail.mid(std::max<qsizetype>(0, tail.size() - 5)).join(QStringLiteral("\n    "));
        printLine(line, true);
    });
    connect(m_cluster, &Cluster::nodeRestarting, this, [this](const QString &name, int delayMs) {
        printLine(QStringLiteral("duplexctl: restarting %1 in %2 ms").arg(name).arg(delayMs));
    });
    connect(m_cluster, &Cluster::nodeStarted, this, [this](const QString &name) {
        if (m_cluster->state() == Cluster::State::Running)
            printLine(QStringLiteral("duplexctl: %1 is up").arg(name));
    });
    connect(m_cluster, &Cluster::statsUpdated, this, &UpCommand::handleStats);
    connect(m_cluster, &Cluster::stopped, this, [this] {
        printLine(QStringLiteral("duplexctl: stopped"));
        emit finished(m_exitCode);
    });
}

void UpCommand::run()
{
    m_cluster->start();
}

void UpCommand::handleTermination()
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
    printLine(lines.join(QLatin1Char('\n')));
    // For scripts and tests: the same facts in one machine-readable line.
    util::printReadyLine({{QStringLiteral("role"), QStringLiteral("cluster")},
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
    const QString status = parts.join(QStringLiteral(" | "));
    if (m_tty) {
        std::fprintf(stdout, "\r\033[K%s", qPrintable(status));
        std::fflush(stdout);
        m_statusShown = true;
        return;
    }
    const qint64 now = util::monotonicMs();
    if (now - m_lastPlainStatusMs >= kPlainStatusIntervalMs) {
        m_lastPlainStatusMs = now;
        printLine(QStringLiteral("status: ") + status);
    }
}

void UpCommand::printLine(const QString &line, bool error)
{
    // A message replaces the live status line; the next tick draws it again below.
    if (m_statusShown) {
        std::fputs("\r\033[K", stdout);
        m_statusShown = false;
    }
    std::fflush(stdout);
    std::FILE *stream = error ? stderr : stdout;
    std::fprintf(stream, "%s\n", qPrintable(line));
    std::fflush(stream);
}

} // namespace duplex::control
