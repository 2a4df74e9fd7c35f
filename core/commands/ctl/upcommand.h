#pragma once

#include "control/cluster.h"

#include <QObject>

namespace duplex::control {

// `duplexctl up` on a terminal: runs a Cluster, prints where to connect, a live one-line
// status, and every node that dies; stops the cluster on Ctrl-C/SIGTERM. The exit code
// it asks for is 0 for a requested stop, 1 when the cluster failed.
class UpCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpCommand)

public:
    UpCommand(const ClusterConfig &config, QObject *parent = nullptr);

    void run();
    void handleTermination();

signals:
    void finished(int exitCode);

private:
    void handleStarted();
    void handleStats(const QList<NodeStatus> &nodes);
    void printLine(const QString &line, bool error = false);

    Cluster *m_cluster;
    bool m_tty;
    bool m_statusShown = false;
    int m_exitCode = 0;
    qint64 m_lastPlainStatusMs = 0;
};

} // namespace duplex::control
