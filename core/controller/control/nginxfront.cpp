#include "control/nginxfront.h"

#include "client/httpconnection.h"
#include "nginx/nginxchild.h"

#include <QFile>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <csignal>

namespace duplex::control {

namespace {

constexpr int kProbeIntervalMs = 100;

} // namespace

NginxFront::NginxFront(nginx::CometBalance cometBalance, int cometHoldSeconds, QObject *parent)
    : QObject(parent)
    , m_cometBalance(cometBalance)
    , m_cometHoldSeconds(cometHoldSeconds)
{
}

NginxFront::~NginxFront() = default;

QString NginxFront::prepare(const QString &program, quint16 port, const QString &runtimeDir)
{
    QString error = nginx::findProgram(program, &m_program);
    if (error.isEmpty())
        error = nginx::reservePort(port, &m_port);
    if (error.isEmpty())
        error = nginx::prepareRuntimeDir(runtimeDir, QStringLiteral("duplex-XXXXXX"), &m_tempDir, &m_runtimeDir);
    return error;
}

void NginxFront::release()
{
    m_tempDir.reset();
}

process::ChildSpec NginxFront::childSpec(const QString &name) const
{
    process::ChildSpec spec;
    spec.name = name;
    spec.program = m_program;
    spec.arguments = nginx::childArguments(m_runtimeDir);
    spec.readyLine = false;
    // The master must hear of our death and take its workers down with it.
    spec.parentDeathSignal = SIGTERM;
    return spec;
}

QString NginxFront::renderConfig(const Upstreams &upstreams) const
{
    nginx::NginxSettings settings;
    settings.prefix = m_runtimeDir;
    settings.port = m_port;
    settings.workers = std::clamp(QThread::idealThreadCount(), 1, 4);
    settings.cometBalance = m_cometBalance;
    settings.cometHoldSeconds = m_cometHoldSeconds;
    settings.webSocketNodes = upstreams.webSocketNodes;
    settings.cometNodes = upstreams.cometNodes;
    settings.staticNode = upstreams.staticNode;
    return nginx::renderNginxConfig(nginx::builtinNginxTemplate(), settings);
}

bool NginxFront::writeConfig(const Upstreams &upstreams, QString *error)
{
    m_configText = renderConfig(upstreams);
    QFile file(m_runtimeDir + QStringLiteral("/nginx.conf"));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(m_configText.toUtf8()) < 0) {
        *error = QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

void NginxFront::probe(process::ChildProcess *nginx, int timeoutMs)
{
    probeAgain(nginx, std::max(1, timeoutMs / kProbeIntervalMs), timeoutMs);
}

void NginxFront::probeAgain(QPointer<process::ChildProcess> nginx, int attemptsLeft, int timeoutMs)
{
    client::HttpConnection::getOnce(
        QStringLiteral("127.0.0.1"), m_port, "/_duplex/health", 1000, this,
        [this, nginx, attemptsLeft, timeoutMs](const client::HttpResult &result) {
            // A start given up meanwhile stops nginx; one that died reports its own exit.
            if (!nginx || nginx->state() != process::ChildProcess::State::Starting)
                return;
            if (result.status == 200) {
                nginx->markReady({{QStringLiteral("port"), m_port}});
                return;
            }
            if (attemptsLeft <= 1) {
                emit probeFailed(
                    QStringLiteral("nginx did not answer on port %1 within %2 ms").arg(m_port).arg(timeoutMs));
                return;
            }
            QTimer::singleShot(kProbeIntervalMs, this, [this, nginx, attemptsLeft, timeoutMs] {
                probeAgain(nginx, attemptsLeft - 1, timeoutMs);
            });
        });
}

NginxFront::Reload NginxFront::reload(qint64 pid, const Upstreams &upstreams, QString *error)
{
    if (!m_configText.isEmpty() && renderConfig(upstreams) == m_configText)
        return Reload::Unchanged;
    if (!writeConfig(upstreams, error))
        return Reload::Failed;
    // What `nginx -s reload` does: SIGHUP to the master, which starts new workers.
    ::kill(pid_t(pid), SIGHUP);
    return Reload::Done;
}

} // namespace duplex::control
