#pragma once

#include "control/cluster.h"
#include "bench/benchreport.h"
#include "bench/clusterbenchoptions.h"

#include <QElapsedTimer>
#include <QObject>

#include <memory>

class QTimer;

namespace duplex::loadgen {

class LoadRun;

// One run of a bench of bench/: starts a cluster of its own (control::Cluster, ephemeral
// port), drives an in-process LoadRun against it through nginx, reads the WebSocket and
// Comet nodes in /proc at rest, when publishing starts and when the run ends, and hands
// over the BenchReport once the cluster has stopped. Every phase is bounded (the
// cluster's start, LoadRun's connect timeout and grace, the stop) and the whole run has a
// hard deadline.
class ClusterBench final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClusterBench)

public:
    explicit ClusterBench(ClusterBenchConfig config, QObject *parent = nullptr);
    ~ClusterBench() override;

    void run();
    // Ends the run now (SIGINT, SIGTERM): reports what was measured and stops the cluster.
    void interrupt(const QString &reason);

signals:
    void progressed(const QString &line);
    // Once, after the cluster has stopped (or did not within its time).
    void finished(const duplex::loadgen::BenchReport &report);

private:
    // CPU (µs) and resident memory (bytes) of the nodes of one role, summed; -1 when a
    // node could not be read.
    struct NodeReading
    {
        qint64 cpuMicros = 0;
        qint64 residentBytes = 0;
    };

    void handleClusterStarted();
    void handlePublishingStarted();
    void handleRunFinished();
    // The run is over, measured or not: the report is built, then the cluster stops.
    void finish(const QString &failure);
    BenchReport buildReport() const;
    NodeReading readNodes(util::Role role) const;
    void stopCluster();

    ClusterBenchConfig m_config;
    control::Cluster *m_cluster;
    LoadRun *m_run = nullptr;
    QTimer *m_deadlineTimer;
    QElapsedTimer m_publishClock;
    bool m_finishing = false;
    bool m_reported = false;
    bool m_measured = false; // the LoadRun finished with its figures
    QString m_failure;
    QStringList m_problems; // node exits: each one fails the run
    BenchReport m_report;
    // By transport (0: WebSocket, 1: Comet): at rest, loaded (publishing starts), at the end.
    NodeReading m_atRest[2];
    NodeReading m_loaded[2];
    NodeReading m_atEnd[2];
    qint64 m_ownCpuStart = -1;
    qint64 m_ownCpuEnd = -1;
    double m_publishSeconds = -1;
};

} // namespace duplex::loadgen
