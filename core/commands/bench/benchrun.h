#pragma once

#include "bench/benchreport.h"
#include "bench/benchtarget.h"
#include "loadgen/loadoptions.h"

#include <QElapsedTimer>
#include <QMap>
#include <QObject>

class QTimer;

namespace duplex::loadgen {
class LoadRun;
}

namespace duplex::bench {

// One run of a bench: what it starts, the load it drives against it, and what it writes.
struct BenchRunConfig
{
    QString title; // the report's first line
    BenchTarget::Config target;
    loadgen::LoadOptions load; // host and port are the target's, filled in once it is up
    // A lost or duplicated delivery fails the run.
    bool requireComplete = false;
    QString csvPath; // the load's per-iteration rows; empty: none
};

// The one bench driver (duplexctl bench and the programs of bench/): starts its target on
// a free port, drives an in-process LoadRun against it through nginx, reads the target's
// processes at rest, when publishing starts and when the run ends, and hands over the
// BenchReport once the target has stopped. Every phase is bounded (the target's start,
// LoadRun's connect timeout and grace, the stop) and the whole run has a hard deadline.
class BenchRun final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BenchRun)

public:
    explicit BenchRun(BenchRunConfig config, QObject *parent = nullptr);
    ~BenchRun() override;

    void start();
    // Ends the run now (SIGINT, SIGTERM): reports what was measured and stops the target.
    void interrupt(const QString &reason);

signals:
    void progressed(const QString &line);
    // Once, after the target has stopped (or did not within its time).
    void finished(const duplex::bench::BenchReport &report);

private:
    // The readings of a moment: every server process, and per transport.
    struct Snapshot
    {
        BenchTarget::Reading servers;
        QMap<protocol::Transport, BenchTarget::Reading> transports;
    };

    void handleTargetStarted();
    void handlePublishingStarted();
    void handleRunFinished(const QByteArray &csv);
    // The run is over, measured or not: the report is built, then the target stops.
    void finish(const QString &failure);
    BenchReport buildReport() const;
    Snapshot snapshot() const;
    void stopTarget();

    BenchRunConfig m_config;
    BenchTarget *m_target;
    loadgen::LoadRun *m_run = nullptr;
    QTimer *m_deadlineTimer;
    QElapsedTimer m_publishClock;
    bool m_finishing = false;
    bool m_reported = false;
    bool m_measured = false; // the LoadRun finished with its figures
    QString m_failure;
    QStringList m_problems; // parts of the target that exited: each one fails the run
    BenchReport m_report;
    Snapshot m_atRest;  // the target is up, no client yet
    Snapshot m_loaded;  // every subscriber is connected, publishing starts
    Snapshot m_atEnd;   // the last delivery is in (or the grace is over)
    qint64 m_ownCpuStart = -1;
    qint64 m_ownCpuEnd = -1;
    double m_publishSeconds = -1;
};

} // namespace duplex::bench
