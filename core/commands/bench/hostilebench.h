#pragma once

#include "bench/hostilebenchoptions.h"
#include "bench/hostilereport.h"

#include <QObject>
#include <QString>

class QThread;
class QTimer;

namespace duplex::bench {

class AttackPhase;
class BenchTarget;
class Bystander;

// duplex-bench-hostile's run: starts a cluster (1 WebSocket and 1 Comet node) through
// BenchTarget, connects a Bystander, then runs one phase per attack in turn: prepare the
// attack, attack for the phase's seconds while the bystander publishes and every cluster
// process's resident memory is read every 100 ms, then wait (bounded) for the bystander's
// last messages. Hands over the HostileReport once the cluster has stopped. Never fails on
// timing: only a lost bystander message or a process that died fails the run.
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
    void beginPhase();
    void handlePhaseTime();
    void handleAttackCompleted();
    void endPhase();
    void handleDrainTick();
    void handleAttackStopped(const QString &outcome);
    void handleDrained();
    void recordPhase();
    // Asks the attack (on its thread) to run `call`.
    void tellAttack(void (AttackPhase::*call)());
    void sampleMemory();
    void finish(const QString &failure);

    HostileBenchConfig m_config;
    BenchTarget *m_target;
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
};

} // namespace duplex::bench
