#include "loadgen/workergroup.h"

#include "loadgen/workerprotocol.h"
#include "process/linereader.h"
#include "process/spawn.h"

#include <QCoreApplication>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace duplex::loadgen {

namespace {
// From "finish" to every worker's final report and exit. A worker only computes its
// figures and writes one line, but that line holds the whole inter-message series.
constexpr int kFinishTimeoutMs = 15000;
// A worker's report is one line, and the final one holds the whole inter-message series.
constexpr qsizetype kMaxReportBytes = 64 * 1024 * 1024;
// What the parent keeps of a worker's stderr line for its messages.
constexpr qsizetype kMaxStderrLine = 1000;
} // namespace

WorkerGroup::WorkerGroup(const LoadOptions &options, int workers, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_finishTimer(new QTimer(this))
{
    m_finishTimer->setSingleShot(true);
    connect(m_finishTimer, &QTimer::timeout, this, [this] {
        for (const auto &w : m_workers) {
            if (!w->reported || !w->exited) {
                fail(QStringLiteral("%1 did not send its final report and exit within %2 s")
                         .arg(describe(w.get())).arg(kFinishTimeoutMs / 1000));
                return;
            }
        }
    });
    for (int i = 0; i < workers; ++i) {
        auto worker = std::make_unique<Worker>();
        worker->index = i;
        worker->process = new QProcess(this);
        m_workers.push_back(std::move(worker));
    }
}

WorkerGroup::~WorkerGroup()
{
    for (const auto &w : m_workers) {
        // Our slots must not run on a half-destroyed group while QProcess reaps.
        w->process->disconnect(this);
        if (w->process->state() != QProcess::NotRunning) {
            ::kill(pid_t(w->pid), SIGKILL);
            w->process->waitForFinished(2000);
        }
    }
}

void WorkerGroup::start()
{
    m_state = State::Running;
    const QString program = QCoreApplication::applicationFilePath();
    for (const auto &owned : m_workers) {
        Worker *w = owned.get();
        QProcess *process = w->process;
        auto *lines = new process::LineReader(process, kMaxReportBytes);
        connect(lines, &process::LineReader::lineRead, this, [this, w](QProcess::ProcessChannel channel, const QByteArray &line) {
            if (channel == QProcess::StandardOutput)
                handleReport(w, line);
            else
                handleStderrLine(w, line);
        });
        connect(lines, &process::LineReader::finished, this,
                [this, w](int exitCode, QProcess::ExitStatus status) { handleFinished(w, exitCode, status); });
        connect(process, &QProcess::errorOccurred, this, [this, w](QProcess::ProcessError error) {
            if (error == QProcess::FailedToStart)
                fail(QStringLiteral("cannot start worker %1 (%2): %3").arg(w->index).arg(w->process->program(), w->process->errorString()));
        });
        // Its own process group: a terminal's Ctrl-C goes to the parent only, which then
        // asks the workers for what they measured.
        process::startInOwnGroup(process, program, workerArguments(m_options, w->index, int(m_workers.size())));
        w->pid = process->processId();
        if (m_state != State::Running)
            return; // failed to start, already reported
    }
    QStringList pids;
    for (const auto &w : m_workers)
        pids << QString::number(w->pid);
    emit progressed(QStringLiteral("workers: %1").arg(pids.join(QLatin1Char(' '))));
}

void WorkerGroup::sendToAll(const QByteArray &command)
{
    for (const auto &w : m_workers)
        w->process->write(command);
}

void WorkerGroup::requestInterval(qint64 elapsedMs)
{
    if (m_state != State::Running)
        return;
    PendingTick &tick = m_ticks[m_nextTick];
    tick.elapsedMs = elapsedMs;
    tick.parts.resize(qsizetype(m_workers.size()));
    tick.answered.resize(qsizetype(m_workers.size()));
    sendToAll(tickCommand(m_nextTick));
    ++m_nextTick;
}

void WorkerGroup::expect(const std::vector<PublisherTally> &tallies)
{
    if (m_state != State::Running || m_expectSent)
        return;
    m_expectSent = true;
    sendToAll(expectCommand(tallies));
}

void WorkerGroup::finish(qint64 elapsedMs, const std::vector<PublisherTally> &tallies)
{
    if (m_state != State::Running)
        return;
    m_state = State::Finishing;
    PendingTick &tick = m_ticks[m_nextTick];
    tick.elapsedMs = elapsedMs;
    tick.parts.resize(qsizetype(m_workers.size()));
    tick.answered.resize(qsizetype(m_workers.size()));
    sendToAll(finishCommand(m_nextTick, tallies));
    ++m_nextTick;
    m_finishTimer->start(kFinishTimeoutMs);
}

void WorkerGroup::kill()
{
    m_state = State::Done;
    m_finishTimer->stop();
    for (const auto &w : m_workers) {
        if (w->process->state() != QProcess::NotRunning && w->pid > 0)
            ::kill(pid_t(w->pid), SIGKILL);
    }
}

void WorkerGroup::handleStderrLine(Worker *worker, const QByteArray &bytes)
{
    const QString line = QString::fromUtf8(bytes).trimmed().left(kMaxStderrLine);
    if (line.isEmpty())
        return;
    worker->lastStderrLine = line;
    // Workers are silent when all is well; what they do say (Qt warnings, their reason to
    // fail) is shown, with who said it.
    emit progressed(QStringLiteral("worker %1: %2").arg(worker->index).arg(line));
}

void WorkerGroup::handleFinished(Worker *worker, int exitCode, QProcess::ExitStatus status)
{
    worker->exited = true;
    if (m_state == State::Done)
        return;
    if (m_state == State::Finishing && worker->reported && status == QProcess::NormalExit && exitCode == 0) {
        checkFinished();
        return;
    }
    // For a death by signal, QProcess reports a crash and the signal number as exit code.
    const QString how = status == QProcess::CrashExit
        ? QStringLiteral("was killed by signal %1 (%2)").arg(exitCode).arg(QString::fromLocal8Bit(strsignal(exitCode)))
        : QStringLiteral("exited with status %1").arg(exitCode);
    const QString last = worker->lastStderrLine.isEmpty() ? QStringLiteral("it wrote nothing on stderr")
                                                          : QStringLiteral("its last stderr line: ") + worker->lastStderrLine;
    fail(QStringLiteral("%1 %2 before the end of the run; %3").arg(describe(worker), how, last));
}

void WorkerGroup::handleReport(Worker *worker, const QByteArray &line)
{
    // After a failure (or the end) the group listens no more.
    if (m_state == State::Done)
        return;
    const WorkerReport report = parseWorkerReport(line);
    if (report.status != WorkerReport::Status::Ok || report.worker != worker->index) {
        const QString error = report.status != WorkerReport::Status::Ok
            ? report.error
            : QStringLiteral("it calls itself worker %1").arg(report.worker);
        fail(QStringLiteral("%1 sent a bad report (%2): %3").arg(describe(worker), error, QString::fromUtf8(line.left(200))));
        return;
    }
    switch (report.kind) {
    case WorkerReport::Kind::Connected:
        if (!worker->connected) {
            worker->connected = true;
            m_welcomed += report.subscribers - worker->welcomed;
            worker->welcomed = report.subscribers;
        }
        if (!m_allConnected && std::all_of(m_workers.cbegin(), m_workers.cend(), [](const auto &w) { return w->connected; })) {
            m_allConnected = true;
            emit allConnected();
        }
        break;
    case WorkerReport::Kind::Tick: {
        const auto tick = m_ticks.find(report.tick);
        if (tick == m_ticks.end() || tick->second.answered[worker->index]) {
            fail(QStringLiteral("%1 answered interval %2, which was not asked").arg(describe(worker)).arg(report.tick));
            return;
        }
        // Welcomed once, so it only grows: the status line's and the deadline's count.
        m_welcomed += report.welcomed - worker->welcomed;
        worker->welcomed = report.welcomed;
        tick->second.parts[worker->index] = report.intervals;
        tick->second.answered[worker->index] = true;
        ++tick->second.answers;
        emitCompleteTicks();
        checkFinished();
        break;
    }
    case WorkerReport::Kind::Drained:
        worker->drained = true;
        if (m_state == State::Running && !m_drained
            && std::all_of(m_workers.cbegin(), m_workers.cend(), [](const auto &w) { return w->drained; })) {
            m_drained = true;
            emit drained();
        }
        break;
    case WorkerReport::Kind::Final:
        if (m_state != State::Finishing) {
            fail(QStringLiteral("%1 sent a final report before it was asked to").arg(describe(worker)));
            return;
        }
        worker->reported = true;
        worker->result = report.result;
        checkFinished();
        break;
    }
}

void WorkerGroup::emitCompleteTicks()
{
    const int count = int(m_workers.size());
    // Bounded by the ticks asked; in order, so the stream never goes back in time.
    while (!m_ticks.empty() && m_ticks.begin()->second.answers == count && m_state != State::Done) {
        const PendingTick tick = std::move(m_ticks.begin()->second);
        m_ticks.erase(m_ticks.begin());
        emit intervalCollected(tick.elapsedMs, inTransportOrder(load::mergeIntervals(tick.parts)));
    }
}

void WorkerGroup::checkFinished()
{
    if (m_state != State::Finishing || !m_ticks.empty())
        return;
    if (!std::all_of(m_workers.cbegin(), m_workers.cend(), [](const auto &w) { return w->reported && w->exited; }))
        return;
    m_state = State::Done;
    m_finishTimer->stop();
    QList<QList<load::TransportSummary>> summaries;
    for (const auto &w : m_workers)
        summaries << w->result.summaries;
    SubscriberResult merged;
    merged.summaries = inTransportOrder(load::mergeSummaries(summaries));
    for (const protocol::Transport name : m_options.transports) {
        load::InterMessageSeries series;
        for (const auto &w : m_workers) {
            for (qsizetype i = 0; i < w->result.summaries.size(); ++i) {
                if (w->result.summaries.at(i).transport == name)
                    series.merge(w->result.series[size_t(i)]);
            }
        }
        merged.series.push_back(std::move(series));
    }
    emit finalCollected(merged);
}

void WorkerGroup::fail(const QString &reason)
{
    if (m_state == State::Done)
        return;
    kill();
    emit failed(reason);
}

QString WorkerGroup::describe(const Worker *worker) const
{
    return QStringLiteral("worker %1 of %2 (pid %3)").arg(worker->index).arg(m_workers.size()).arg(worker->pid);
}

template<typename T>
QList<T> WorkerGroup::inTransportOrder(const QList<T> &entries) const
{
    QList<T> ordered;
    for (const protocol::Transport name : m_options.transports) {
        for (const T &entry : entries) {
            if (entry.transport == name)
                ordered << entry;
        }
    }
    return ordered;
}

} // namespace duplex::loadgen
