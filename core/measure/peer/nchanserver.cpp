#include "peer/nchanserver.h"

#include "client/httpconnection.h"
#include "nginx/nginxchild.h"
#include "process/childprocess.h"
#include "util/procstats.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <utility>
#include <unistd.h>

namespace duplex::peer {

namespace {

constexpr int kProbeIntervalMs = 50;
constexpr int kReapIntervalMs = 20;
constexpr int kReapChecks = 150; // 3 s: a SIGKILLed process is gone long before
constexpr int kStopGraceMs = 3000;

// Workers outlive their master only when it was killed; they go by PID (master first in
// `known`), and only while still in the master's process group: a PID reused since then
// belongs to someone else.
void killStragglers(const QList<qint64> &known)
{
    if (known.isEmpty())
        return;
    const pid_t group = pid_t(known.constFirst());
    for (qint64 pid : known) {
        if (util::isRunning(pid) && ::getpgid(pid_t(pid)) == group)
            ::kill(pid_t(pid), SIGKILL);
    }
}

// The last line nginx wrote to its error log: why it would not serve, most of the time.
QString lastLogLine(const QString &runtimeDir)
{
    QFile log(runtimeDir + QStringLiteral("/logs/error.log"));
    if (runtimeDir.isEmpty() || !log.open(QIODevice::ReadOnly))
        return {};
    if (log.size() > 4096)
        log.seek(log.size() - 4096);
    const QList<QByteArray> lines = log.readAll().trimmed().split('\n');
    return QString::fromUtf8(lines.constLast()).trimmed();
}

} // namespace

NchanServer::NchanServer(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_reapTimer(new QTimer(this))
{
    m_reapTimer->setInterval(kReapIntervalMs);
    connect(m_reapTimer, &QTimer::timeout, this, &NchanServer::checkReaped);
}

NchanServer::~NchanServer()
{
    const QList<qint64> known = m_knownPids + pids();
    // ~ChildProcess kills nginx's whole process group if the master still runs.
    delete m_child;
    killStragglers(known);
}

qint64 NchanServer::masterPid() const
{
    if (!m_child)
        return 0;
    const process::ChildProcess::State state = m_child->state();
    const bool alive = state == process::ChildProcess::State::Starting || state == process::ChildProcess::State::Running
        || state == process::ChildProcess::State::Stopping;
    return alive ? m_child->pid() : 0;
}

QList<qint64> NchanServer::pids() const
{
    const qint64 master = masterPid();
    if (master <= 0)
        return {};
    QList<qint64> out{master};
    out += util::childProcesses(master);
    return out;
}

void NchanServer::start()
{
    if (m_state != State::Stopped)
        return;
    m_state = State::Starting;
    const quint64 generation = ++m_generation;
    m_outcome = Outcome::Stopped;
    m_outcomeReason.clear();
    const QString problem = preflight();
    if (!problem.isEmpty()) {
        // Queued, so a caller that connects after start() still hears it.
        QTimer::singleShot(0, this, [this, generation, problem] {
            if (generation == m_generation && m_state == State::Starting)
                windDown(Outcome::StartFailed, problem);
        });
        return;
    }

    process::ChildSpec spec;
    spec.name = QStringLiteral("nchan");
    spec.program = m_nginxProgram;
    spec.arguments = nginx::childArguments(m_runtimeDir);
    // nginx says nothing when it serves: readiness is the health location answering.
    spec.readyLine = false;
    // The master must hear of our death and take its workers down with it.
    spec.parentDeathSignal = SIGTERM;
    m_child = new process::ChildProcess(spec, this);
    connect(m_child, &process::ChildProcess::startFailed, this, &NchanServer::handleChildStartFailed);
    connect(m_child, &process::ChildProcess::exited, this, &NchanServer::handleChildExited);
    m_child->start();
    probe(generation, std::max(1, m_options.readyTimeoutMs / kProbeIntervalMs));
}

QString NchanServer::preflight()
{
    if (m_options.workers < 1)
        return QStringLiteral("nchan needs at least one nginx worker (workers = %1)").arg(m_options.workers);
    if (const QString error = nginx::findProgram(m_options.nginxProgram, &m_nginxProgram); !error.isEmpty())
        return error;
    // nginx would name the problem too, but only as a dlopen() error in its log.
    if (!QFileInfo(m_options.modulePath).isFile())
        return QStringLiteral("the nchan module %1 is missing: install libnginx-mod-nchan "
                              "(`apt-get install libnginx-mod-nchan`)")
            .arg(m_options.modulePath);
    QString error = nginx::reservePort(m_options.port, &m_port);
    if (error.isEmpty())
        error = nginx::prepareRuntimeDir(m_options.runtimeDir, QStringLiteral("duplex-nchan-XXXXXX"), &m_tempDir, &m_runtimeDir);
    if (!error.isEmpty())
        return error;
    NchanSettings settings;
    settings.prefix = m_runtimeDir;
    settings.port = m_port;
    settings.workers = m_options.workers;
    settings.bufferLength = m_options.bufferLength;
    settings.messageTimeoutSeconds = m_options.messageTimeoutSeconds;
    settings.modulePath = m_options.modulePath;
    m_configText = renderNchanConfig(settings);
    QFile file(m_runtimeDir + QStringLiteral("/nginx.conf"));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(m_configText.toUtf8()) < 0)
        return QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
    return {};
}

void NchanServer::probe(quint64 generation, int attemptsLeft)
{
    client::HttpConnection::getOnce(
        QStringLiteral("127.0.0.1"), m_port, kNchanHealthPath, 1000, this,
        [this, generation, attemptsLeft](const client::HttpResult &result) {
            // nginx died meanwhile (its exit is being reported), or a stop came first.
            if (generation != m_generation || m_state != State::Starting || !m_child
                || m_child->state() != process::ChildProcess::State::Starting) {
                return;
            }
            if (result.status == 200) {
                m_child->markReady({{QStringLiteral("port"), m_port}});
                m_knownPids = pids();
                m_state = State::Running;
                emit started();
                return;
            }
            if (attemptsLeft <= 1) {
                QString reason = QStringLiteral("nginx with nchan did not answer on port %1 within %2 ms")
                                     .arg(m_port)
                                     .arg(m_options.readyTimeoutMs);
                // The runtime directory goes with the stop: say now what the log says.
                const QString logged = lastLogLine(m_runtimeDir);
                if (!logged.isEmpty())
                    reason += QStringLiteral(": ") + logged;
                windDown(Outcome::StartFailed, reason);
                return;
            }
            QTimer::singleShot(kProbeIntervalMs, this, [this, generation, attemptsLeft] { probe(generation, attemptsLeft - 1); });
        });
}

void NchanServer::stop()
{
    if (m_state == State::Stopped)
        return;
    ++m_generation;
    // Whatever was under way, the caller asked for a stop and hears stopped().
    m_outcome = Outcome::Stopped;
    m_outcomeReason.clear();
    if (m_state == State::Stopping)
        return;
    windDown(Outcome::Stopped, {});
}

void NchanServer::handleChildStartFailed(const QString &reason)
{
    // nginx could not be run, or exited before it served: nothing is left to stop.
    if (m_state == State::Starting)
        windDown(Outcome::StartFailed, reason);
}

void NchanServer::handleChildExited()
{
    if (m_state == State::Running) {
        QString reason = QStringLiteral("nginx with nchan exited (%1)").arg(m_child->exitDescription());
        const QString logged = m_child->stderrTail().isEmpty() ? lastLogLine(m_runtimeDir) : m_child->stderrTail().constLast();
        if (!logged.isEmpty())
            reason += QStringLiteral(": ") + logged;
        windDown(Outcome::Failed, reason);
        return;
    }
    if (m_state == State::Starting) {
        // ChildProcess reports an early exit as startFailed first; this is a fallback.
        windDown(Outcome::StartFailed, QStringLiteral("nginx with nchan exited before it served (%1)").arg(m_child->exitDescription()));
        return;
    }
    if (m_state == State::Stopping && !m_reaping)
        reapAndFinish();
}

void NchanServer::windDown(Outcome outcome, const QString &reason)
{
    m_state = State::Stopping;
    m_outcome = outcome;
    m_outcomeReason = reason;
    for (qint64 pid : pids()) {
        if (!m_knownPids.contains(pid))
            m_knownPids << pid;
    }
    const bool childRunning = m_child
        && (m_child->state() == process::ChildProcess::State::Starting
            || m_child->state() == process::ChildProcess::State::Running);
    if (childRunning) {
        // Its exit comes back through handleChildExited.
        m_child->stop(kStopGraceMs);
        return;
    }
    if (m_child && m_child->state() == process::ChildProcess::State::Stopping)
        return;
    reapAndFinish();
}

void NchanServer::reapAndFinish()
{
    m_reaping = true;
    m_reapChecksLeft = kReapChecks;
    killStragglers(m_knownPids);
    // Checked from the event loop even when nothing is left, so the outcome is never
    // reported inside start() or stop().
    m_reapTimer->start();
}

void NchanServer::checkReaped()
{
    const bool anyLeft = std::any_of(m_knownPids.cbegin(), m_knownPids.cend(), [](qint64 pid) { return util::isRunning(pid); });
    if (anyLeft && --m_reapChecksLeft > 0)
        return;
    m_reapTimer->stop();
    finish();
}

void NchanServer::finish()
{
    m_reaping = false;
    m_knownPids.clear();
    if (m_child) {
        // We may be inside one of its signals.
        m_child->disconnect(this);
        m_child->deleteLater();
        m_child = nullptr;
    }
    m_tempDir.reset(); // removes a runtime directory we created
    if (m_options.runtimeDir.isEmpty())
        m_runtimeDir.clear();
    m_state = State::Stopped;
    const Outcome outcome = m_outcome;
    const QString reason = m_outcomeReason;
    switch (outcome) {
    case Outcome::Stopped:
        emit stopped();
        break;
    case Outcome::StartFailed:
        emit startFailed(reason);
        break;
    case Outcome::Failed:
        emit failed(reason);
        break;
    }
}

} // namespace duplex::peer
