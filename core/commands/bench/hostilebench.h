#pragma once

#include "bench/hostilebenchoptions.h"
#include "bench/hostilereport.h"

#include <QObject>
#include <QPair>
#include <QString>

#include <functional>

class QThread;
class QTimer;

namespace duplex::bench {

class AttackPhase;
class BenchTarget;
class Bystander;

// duplex-bench-hostile's run: one phase per attack in turn, each on a fresh cluster (1
// WebSocket and 1 Comet node, through BenchTarget), so that no phase inherits the memory
// an earlier one left behind: start the cluster, connect a Bystander, prepare the attack,
// attack for the phase's seconds while the bystander publishes and every cluster
// process's resident memory is read every 100 ms, wait (bounded) for the bystander's last
// messages, stop the cluster. Hands over the HostileReport once the last cluster has
// stopped. Never fails on timing: only a lost bystander message or a process that died
// fails the run.
class HostileBench final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HostileBench)

public:
    explicit HostileBench(HostileBenchConfig config, QObject *parent = nullptr);
    ~HostileBench() override;

    void start();
    // Ends the run now (SIGINT, SIGTERM): reports the phases measured and stops the cluster.
    void interrupt(const QString &reason);

signals:
    void progressed(const QString &line);
    // Once, after the cluster has stopped (or did not within its time).
    void finished(const duplex::bench::HostileReport &report);

private:
    void handleTargetStarted();
    void nextPhase();
    void prepareAttack();
    void beginPhase();
    void handlePhaseTime();
    void handleAttackCompleted();
    void endPhase();
    void handleDrainTick();
    void handleAttackStopped(const QString &outcome);
    void handleDrained();
    void recordPhase();
    // Reads the WebSocket node's counts of clients it closed (too slow, rate limited) into
    // `into`, then runs `then`; NaN where /metrics did not answer.
    void readClosures(QPair<double, double> *into, const std::function<void()> &then);
    // Asks the attack (on its thread) to run `call`.
    void tellAttack(void (AttackPhase::*call)());
    void sampleMemory();
    // Ends the phase's bystander and attack and stops its cluster; then runs `then`.
    void stopPhaseCluster(const std::function<void()> &then);
    void finish(const QString &failure);

    HostileBenchConfig m_config;
    BenchTarget *m_target = nullptr; // the phase's cluster
    Bystander *m_bystander = nullptr;
    AttackPhase *m_attack = nullptr; // lives on m_attackThread
    bool m_attackStopped = false;
    bool m_drained = false;
    bool m_attackCompleted = false;
    bool m_phaseTimeOver = false;
    bool m_phaseEnded = false;
    QTimer *m_sampleTimer;
    QTimer *m_phaseTimer;
    QTimer *m_drainTimer;
    QTimer *m_deadlineTimer;
    QThread *m_attackThread;
    QTimer *m_capTimer; // a count-bounded attack's longest phase
    int m_phaseIndex = -1;
    int m_drainTicks = 0;
    bool m_finishing = false;
    bool m_reported = false;
    HostileReport m_report;
    HostileReport::Phase m_current;
    QPair<double, double> m_closuresAtStart;
    QPair<double, double> m_closuresAtEnd;
};

} // namespace duplex::bench
