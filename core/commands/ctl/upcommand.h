#pragma once

#include "control/cluster.h"

#include <QJsonObject>
#include <QObject>

namespace duplex::ctl {

// `duplexctl up`: runs a Cluster and says what happens to it, in lines for a person (where
// to connect, every node that dies or comes back) and a live one-line status; stops the
// cluster on interrupt(). It prints nothing itself (cli/ does). The exit code it asks for
// is 0 for a requested stop, 1 when the cluster failed.
class UpCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpCommand)

public:
    explicit UpCommand(const control::ClusterConfig &config, QObject *parent = nullptr);

    void start();
    void interrupt();

signals:
    // A line for the user: what the cluster did (stdout's).
    void reported(const QString &line);
    // A line about something that went wrong (stderr's).
    void problemReported(const QString &line);
    // The cluster is up: the READY line's facts, for scripts and tests.
    void clusterReady(const QJsonObject &info);
    // The nodes' live figures in one line, on every stats tick.
    void statusUpdated(const QString &status);
    void finished(int exitCode);

private:
    void handleStarted();
    void handleStats(const QList<control::NodeStatus> &nodes);

    control::Cluster *m_cluster;
    int m_exitCode = 0;
};

} // namespace duplex::ctl
