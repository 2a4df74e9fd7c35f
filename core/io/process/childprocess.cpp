#include "process/childprocess.h"

#include "process/linereader.h"
#include "process/spawn.h"
#include "util/readyline.h"

#include <QTimer>

#include <csignal>
#include <cstring>
#include <sys/wait.h>

namespace duplex::process {

namespace {

// SIGKILL to the child's whole process group (each child leads its own, see start()):
// a master such as nginx's cannot pass a SIGKILL on, and its workers would outlive it.
void killGroup(qint64 pid)
{
    ::kill(-pid_t(pid), SIGKILL);
}

constexpr int kStderrTailLines = 20;
}

QString stateName(ChildProcess::State state)
{
    switch (state) {
    case ChildProcess::State::Idle:
        return QStringLiteral("idle");
    case ChildProcess::State::Starting:
        return QStringLiteral("starting");
    case ChildProcess::State::Running:
        return QStringLiteral("running");
    case ChildProcess::State::Stopping:
        return QStringLiteral("stopping");
    case ChildProcess::State::Exited:
        return QStringLiteral("exited");
    }
    return {};
}

ChildProcess::ChildProcess(ChildSpec spec, QObject *parent)
    : QObject(parent)
    , m_spec(std::move(spec))
    , m_process(new QProcess(this))
    , m_readyTimer(new QTimer(this))
    , m_killTimer(new QTimer(this))
{
    m_readyTimer->setSingleShot(true);
    m_killTimer->setSingleShot(true);
    connect(m_readyTimer, &QTimer::timeout, this, &ChildProcess::handleReadyTimeout);
    connect(m_killTimer, &QTimer::timeout, this, [this] {
        if (m_pid > 0)
            killGroup(m_pid);
    });
    auto *lines = new LineReader(m_process);
    connect(lines, &LineReader::lineRead, this, &ChildProcess::handleLine);
    connect(lines, &LineReader::finished, this, &ChildProcess::handleFinished);
    connect(m_process, &QProcess::errorOccurred, this, &ChildProcess::handleError);
}

ChildProcess::~ChildProcess()
{
    // An owner that goes away takes its child with it; never leave an orphan.
    if (m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        killGroup(m_pid);
        m_process->waitForFinished(2000);
    }
}

void ChildProcess::start(int readyTimeoutMs)
{
    m_state = State::Starting;
    m_stopRequested = false;
    m_readyInfo = {};
    m_stderrTail.clear();
    m_exitDescription.clear();
    m_process->setProcessEnvironment(m_spec.environment);
    startInOwnGroup(m_process, m_spec.program, m_spec.arguments, m_spec.parentDeathSignal);
    m_pid = m_process->processId();
    if (m_spec.readyLine)
        m_readyTimer->start(readyTimeoutMs);
}

void ChildProcess::stop(int graceMs)
{
    if (m_process->state() == QProcess::NotRunning)
        return;
    m_stopRequested = true;
    m_state = State::Stopping;
    m_readyTimer->stop();
    ::kill(pid_t(m_pid), SIGTERM);
    m_killTimer->start(graceMs);
}

void ChildProcess::kill()
{
    if (m_process->state() == QProcess::NotRunning)
        return;
    m_readyTimer->stop();
    killGroup(m_pid);
}

void ChildProcess::markReady(const QJsonObject &info)
{
    if (m_state != State::Starting)
        return;
    m_readyTimer->stop();
    m_readyInfo = info;
    m_state = State::Running;
    emit ready(info);
}

void ChildProcess::handleLine(QProcess::ProcessChannel channel, const QByteArray &bytes)
{
    if (channel == QProcess::StandardOutput) {
        QJsonObject info;
        if (m_state == State::Starting && m_spec.readyLine && util::parseReadyLine(bytes, &info)) {
            markReady(info);
            return;
        }
        emit outputLine(m_spec.name, false, QString::fromUtf8(bytes).trimmed());
        return;
    }
    const QString line = QString::fromUtf8(bytes).trimmed();
    m_stderrTail.append(line);
    while (m_stderrTail.size() > kStderrTailLines)
        m_stderrTail.removeFirst();
    emit outputLine(m_spec.name, true, line);
}

void ChildProcess::handleFinished(int exitCode, QProcess::ExitStatus status)
{
    m_readyTimer->stop();
    m_killTimer->stop();
    // Whatever is left of its group dies with it: the workers of an nginx master killed
    // with -9 would live on as orphans holding the port, and the restarted nginx could not
    // bind it. The group's id stays reserved while any member lives, so this reaches no
    // stranger.
    killGroup(m_pid);
    if (status == QProcess::CrashExit) {
        // For a death by signal, QProcess reports a crash and the signal number as exit code.
        const int signalNumber = exitCode;
        m_exitDescription = QStringLiteral("killed by signal %1 (%2)").arg(signalNumber).arg(QString::fromLocal8Bit(strsignal(signalNumber)));
    } else {
        m_exitDescription = QStringLiteral("exit code %1").arg(exitCode);
    }
    const State before = m_state;
    m_state = State::Exited;
    if (before == State::Starting) {
        QString reason = QStringLiteral("%1 exited before it was ready (%2)").arg(m_spec.name, m_exitDescription);
        if (!m_stderrTail.isEmpty())
            reason += QStringLiteral(": ") + m_stderrTail.last();
        emit startFailed(reason);
    }
    emit exited(m_stopRequested);
}

void ChildProcess::handleError(QProcess::ProcessError error)
{
    if (error == QProcess::FailedToStart)
        failStart(QStringLiteral("cannot start %1 (%2): %3").arg(m_spec.name, m_spec.program, m_process->errorString()));
}

void ChildProcess::handleReadyTimeout()
{
    failStart(QStringLiteral("%1 did not report READY within the start timeout").arg(m_spec.name));
    stop(0);
}

void ChildProcess::failStart(const QString &reason)
{
    if (m_state != State::Starting)
        return;
    m_state = State::Exited;
    m_readyTimer->stop();
    emit startFailed(reason);
}

} // namespace duplex::process
