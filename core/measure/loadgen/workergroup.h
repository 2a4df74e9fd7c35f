#pragma once

#include "load/transportreport.h"
#include "loadgen/loadoptions.h"
#include "loadgen/publishertally.h"
#include "loadgen/subscriberpool.h"

#include <QObject>
#include <QProcess>

#include <map>
#include <memory>
#include <vector>

class QTimer;

namespace duplex::loadgen {

// The subscribers of a split run (--procs K), seen from the parent: K worker processes
// (this program again with --worker i/K) that each hold a share of the clients, driven
// over their stdin/stdout (loadgen/workerprotocol.h) and merged into what one process's
// SubscriberPool would report.
//
// Intervals: the parent asks every worker for interval n at once (requestInterval) and
// emits interval n when all K answers are in, with the parent's time of asking, so a
// line covers the same period in every worker and none is emitted partial; a worker that
// stops answering holds the stream back until finish() times out.
//
// Workers run in their own process group (a terminal's Ctrl-C reaches only the parent,
// which then collects their summaries) and get SIGKILL when the parent dies
// (PR_SET_PDEATHSIG). A worker that exits, crashes or talks nonsense before its final
// report fails the group, which kills the others by PID.
class WorkerGroup final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkerGroup)

public:
    WorkerGroup(const LoadOptions &options, int workers, QObject *parent = nullptr);
    // Kills the workers still running.
    ~WorkerGroup() override;

    // Starts the workers; their PIDs are reported as the progress line "workers: <pid> ...".
    void start();
    // Subscribers welcomed so far, over all workers (as of their last report).
    int welcomed() const { return m_welcomed; }

    // Asks every worker for the interval that ends now; answered by intervalCollected.
    void requestInterval(qint64 elapsedMs);
    // The publishers are done (`tallies` is final): drained() once every subscriber of
    // every worker has the expected messages.
    void expect(const std::vector<PublisherTally> &tallies);
    // Ends the run: one last interval (intervalCollected), then finalCollected once every
    // worker reported and exited.
    void finish(qint64 elapsedMs, const std::vector<PublisherTally> &tallies);
    // SIGKILL to every worker still running; nothing is emitted afterwards.
    void kill();

signals:
    void progressed(const QString &line);
    // Every subscriber of every worker was welcomed.
    void allConnected();
    void intervalCollected(qint64 elapsedMs, const QList<load::TransportInterval> &transports);
    void drained();
    // clientCpuSeconds in the summaries is the workers' CPU added up.
    void finalCollected(const duplex::loadgen::SubscriberResult &result);
    void failed(const QString &reason);

private:
    enum class State { Idle, Running, Finishing, Done };

    struct Worker
    {
        int index = 0;
        QProcess *process = nullptr; // child of the group
        qint64 pid = 0;
        QString lastStderrLine;
        int welcomed = 0;
        bool connected = false;
        bool drained = false;
        bool reported = false; // the final report arrived
        bool exited = false;
        SubscriberResult result;
    };

    struct PendingTick
    {
        qint64 elapsedMs = 0;
        int answers = 0;
        QList<QList<load::TransportInterval>> parts; // by worker
        QList<bool> answered;                        // by worker
    };

    void handleStderrLine(Worker *worker, const QByteArray &line);
    void handleFinished(Worker *worker, int exitCode, QProcess::ExitStatus status);
    void handleReport(Worker *worker, const QByteArray &line);
    void emitCompleteTicks();
    void checkFinished();
    void sendToAll(const QByteArray &command);
    void fail(const QString &reason);
    QString describe(const Worker *worker) const;
    // Orders per-transport entries as LoadOptions::transports does (parsed lines come in
    // name order).
    template<typename T>
    QList<T> inTransportOrder(const QList<T> &entries) const;

    LoadOptions m_options;
    std::vector<std::unique_ptr<Worker>> m_workers;
    std::map<qint64, PendingTick> m_ticks; // asked, not yet emitted, in order
    qint64 m_nextTick = 0;
    State m_state = State::Idle;
    int m_welcomed = 0;
    bool m_allConnected = false;
    bool m_expectSent = false;
    bool m_drained = false;
    QTimer *m_finishTimer;
};

} // namespace duplex::loadgen
