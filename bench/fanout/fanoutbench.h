#pragma once

#include "fanoutconfig.h"
#include "publication.h"

#include <QList>
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

class Subscriber;
struct FanoutReport;

// Runs one fan-out measurement from start to end: starts a cluster, connects the
// subscribers in batches, waits until the channel is quiet, publishes at the configured
// rate, waits a bounded grace period for stragglers, prints the report and stops the
// cluster. Every phase has a time limit, and the whole run a hard deadline.
class FanoutBench final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FanoutBench)

public:
    explicit FanoutBench(const FanoutConfig &config, QObject *parent = nullptr);
    ~FanoutBench() override;

    void run();
    // Ends the run now (SIGINT, SIGTERM): prints what it has and stops the cluster.
    void interrupt(const QString &reason);

signals:
    // After the report and once the cluster has stopped; 0 only when nothing was lost
    // or duplicated.
    void finished(int exitCode);

private:
    enum class Phase { Starting, Connecting, Settling, Publishing, Draining, Done };

    void handleClusterStarted();
    void openNextBatch();
    void handleWelcomed();
    void handleSubscriberFailed(int index, const QString &reason);
    void connectPublisher();
    void handlePublisherText(const QString &text);
    void startPublishingWhenSettled();
    void publishDue();
    void handleComplete();
    void startPhaseTimer(int ms, const QString &reasonOnTimeout);
    void finish(const QString &failure);
    FanoutReport buildReport(const QString &failure, qint64 endNs) const;
    void stopCluster();
    QList<qint64> webSocketNodePids() const;

    FanoutConfig m_config;
    Publication m_publication;
    control::Cluster *m_cluster;
    QTimer *m_phaseTimer;    // bounds the current phase
    QTimer *m_publishTimer;
    QTimer *m_deadlineTimer; // bounds the whole run
    QString m_phaseTimeoutReason;
    Phase m_phase = Phase::Starting;
    int m_exitCode = 1;

    QUrl m_url;
    std::vector<std::unique_ptr<Subscriber>> m_subscribers;
    QWebSocket *m_publisher = nullptr;
    bool m_publisherWelcomed = false;
    int m_opened = 0;
    int m_batchPending = 0;
    int m_publisherJoinsSeen = 0;
    int m_complete = 0;
    int m_failedSubscribers = 0;
    qint64 m_sent = 0;
    qint64 m_publishErrors = 0;
    QStringList m_problems; // node exits and the like: each one fails the run

    // Resource readings of the WebSocket nodes (and of this process, for CPU).
    QList<qint64> m_nodePids;
    qint64 m_rssBefore = 0;
    qint64 m_rssAfter = 0;
    qint64 m_publishStartNs = -1;
    qint64 m_nodeCpuStart = -1;
    qint64 m_nodeCpuEnd = -1;
    qint64 m_ownCpuStart = -1;
    qint64 m_ownCpuEnd = -1;
};

} // namespace duplex::bench
