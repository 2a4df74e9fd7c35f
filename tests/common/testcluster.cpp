#include "testcluster.h"

#include "httpcall.h"
#include "metrics/metrics.h"
#include "serverprocess.h"
#include "util/procstats.h"

#include <QSignalSpy>
#include <QTest>

#include <algorithm>

std::unique_ptr<duplex::control::Cluster> startTestCluster(int ws, int comet, QString *error,
                                                           duplex::control::ClusterConfig config)
{
    config.webSocketNodes = ws;
    config.cometNodes = comet;
    config.port = 0;
    config.binDir = QStringLiteral(DUPLEX_BIN_DIR);
    auto cluster = std::make_unique<duplex::control::Cluster>(config);
    QSignalSpy started(cluster.get(), &duplex::control::Cluster::started);
    QSignalSpy failed(cluster.get(), &duplex::control::Cluster::startFailed);
    cluster->start();
    if (!QTest::qWaitFor([&] { return !started.isEmpty() || !failed.isEmpty(); }, 20000) || !failed.isEmpty()) {
        *error = failed.isEmpty() ? QStringLiteral("the cluster did not start within 20 s")
                                  : failed.first().first().toString();
        return nullptr;
    }
    return cluster;
}

bool stopTestCluster(duplex::control::Cluster *cluster)
{
    QList<qint64> pids;
    for (const auto &node : cluster->nodes()) {
        if (node.pid <= 0)
            continue;
        pids << node.pid;
        if (node.role == duplex::util::Role::Nginx)
            pids << duplex::util::childProcesses(node.pid);
    }
    QSignalSpy stopped(cluster, &duplex::control::Cluster::stopped);
    cluster->stop();
    if (!QTest::qWaitFor([&] { return !stopped.isEmpty(); }, 10000))
        return false;
    return QTest::qWaitFor([&] { return std::none_of(pids.cbegin(), pids.cend(), duplex::util::isRunning); }, 5000);
}

std::optional<duplex::control::NodeStatus> nodeOf(const duplex::control::Cluster &cluster, duplex::util::Role role)
{
    for (const duplex::control::NodeStatus &n : cluster.nodes()) {
        if (n.role == role)
            return n;
    }
    return std::nullopt;
}

double metricOf(const duplex::control::Cluster &cluster, duplex::util::Role role, const QByteArray &name)
{
    const std::optional<duplex::control::NodeStatus> n = nodeOf(cluster, role);
    if (!n)
        return qQNaN();
    const duplex::client::HttpResult r = httpCall(n->adminPort, "GET", "/metrics");
    return r.status == 200 ? duplex::metrics::Metrics::parse(r.body).value(name, qQNaN()) : qQNaN();
}
