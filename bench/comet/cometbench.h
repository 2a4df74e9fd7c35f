#pragma once

#include "cometbenchconfig.h"
#include "nodesampler.h"
#include "publication.h"

#include <QObject>
#include <QStringList>
#include <QUrl>

#include <memory>
#include <vector>

class QTimer;
class QWebSocket;

namespace duplex::control {
class Cluster;
}

namespace duplex::bench {

class BenchSubscriber;
struct CometBenchReport;

// Runs one Comet-against-WebSocket measurement from start to end: starts a cluster with
// WebSocket and Comet nodes behind nginx, reads the nodes' cost at rest, connects both
// kinds of subscribers to one channel in batches, waits until the channel is quiet, reads
// the nodes again, publishes from one WebSocket client on a fixed schedule, waits a
// bounded grace period for stragglers, reads the nodes a last time, prints the report
// and stops the cluster. Every phase has a time limit, and the whole run a hard deadline.
class CometBench final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometBench)

public:
    explicit CometBench(const CometBenchConfig &config, QObject *parent = nullptr);
    ~CometBench() override;

    void run();
    // Ends the run now (SIGINT, SIGTERM): reports what it has and stops the cluster.
    void interrupt(const QString &reason);

signals:
    // After the report and once the cluster has stopped.
    void finished(int exitCode);

private:
    enum class Phase { Starting, Baseline, Connecting, Settling, Loaded, Publishing, Draining, Closing, Done };

    void handleClusterStarted();
    void createSubscribers();
    void openNextBatch();
    void handleWelcomed();
    void handleSubscriberFailed(int index, const QString &reason);
    void connectPublisher();
    void handlePublisherText(const QString &text);
    void startPublishingWhenSettled();
    void startPublishing(const NodeSampler::Samples &loaded);
    void publishDue();
    void handleComplete();
    void startPhaseTimer(int ms, const QString &reasonOnTimeout);
    void finish(const QString &failure);
    // Prints the report (or the one line saying why there is none), then stops the cluster.
    void report();
    CometBenchReport buildReport() const;
    void stopCluster();
    int runningNodes(control::NodeRole role) const;
    // Why the ramp timed out, naming the first subscriber still waiting and its last problem.
    QString batchTimeoutReason() const;

    CometBenchConfig m_config;
    Publication m_publication;
    control::Cluster *m_cluster;
    NodeSampler *m_sampler;
    QTimer *m_phaseTimer;    // bounds the current phase
    QTimer *m_publishTimer;
    QTimer *m_deadlineTimer; // bounds the whole run
    QString m_phaseTimeoutReason;
    Phase m_phase = Phase::Starting;
    QString m_failure;       // the first reason the run ended early; empty when it ran through
    bool m_finishedEmitted = false;
    int m_exitCode = 1;

    QString m_channel;
    // Comet subscribers first, then WebSocket ones; the ramp interleaves them.
    std::vector<std::unique_ptr<BenchSubscriber>> m_subscribers;
    std::vector<int> m_openOrder;
    QWebSocket *m_publisher = nullptr;
    bool m_publisherWelcomed = false;
    int m_opened = 0;
    int m_batchEnd = 0;
    int m_welcomed = 0;
    int m_publisherJoinsSeen = 0;
    int m_complete = 0;
    int m_failedSubscribers = 0;
    qint64 m_sent = 0;
    qint64 m_publishErrors = 0;
    QStringList m_problems; // node exits and the like: each one fails the run

    // Node readings: at rest, with every subscriber connected, after the last delivery.
    NodeSampler::Samples m_baseline;
    NodeSampler::Samples m_loaded;
    NodeSampler::Samples m_end;
    qint64 m_publishStartNs = -1;
    qint64 m_lastSendNs = -1;
    qint64 m_endNs = -1;
    std::vector<qint64> m_pollsAtStart; // by subscriber
    std::vector<qint64> m_pollsAtEnd;
    qint64 m_ownCpuStart = -1;
    qint64 m_ownCpuEnd = -1;
};

} // namespace duplex::bench
