#include "serverprocess.h"

#include "process/spawn.h"
#include "util/readyline.h"

#include <QDeadlineTimer>
#include <QFile>

#include <csignal>

ServerProcess::~ServerProcess()
{
    kill();
}

bool ServerProcess::start(const QString &binary, const QStringList &arguments,
                          const QProcessEnvironment &environment, int timeoutMs)
{
    return startUnder({}, binary, arguments, environment, timeoutMs);
}

bool ServerProcess::startUnder(const QStringList &wrapper, const QString &binary, const QStringList &arguments,
                               const QProcessEnvironment &environment, int timeoutMs)
{
    m_process.setProcessEnvironment(environment);
    const QString path = QStringLiteral(DUPLEX_BIN_DIR "/") + binary;
    // Bound to the test's life: a test that crashes leaves no server behind.
    if (wrapper.isEmpty())
        duplex::process::startInOwnGroup(&m_process, path, arguments);
    else
        duplex::process::startInOwnGroup(&m_process, wrapper.first(), wrapper.mid(1) + QStringList{path} + arguments);
    if (!m_process.waitForStarted(timeoutMs))
        return false;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        while (m_process.canReadLine()) {
            const QByteArray line = m_process.readLine();
            m_stdout += line;
            if (duplex::util::parseReadyLine(line, &m_ready))
                return true;
        }
        if (m_process.state() != QProcess::Running)
            return false;
        m_process.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
    }
    return false;
}

QString ServerProcess::output()
{
    m_stdout += m_process.readAllStandardOutput();
    m_stderr += m_process.readAllStandardError();
    return QString::fromUtf8("stdout:\n" + m_stdout + "\nstderr:\n" + m_stderr);
}

void ServerProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    ::kill(pid_t(m_process.processId()), SIGKILL);
    m_process.waitForFinished(5000);
}

bool ServerProcess::terminate(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return true;
    ::kill(pid_t(m_process.processId()), SIGTERM);
    return m_process.waitForFinished(timeoutMs);
}

QProcessEnvironment clusterEnvironment(const QByteArray &secret)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DUPLEX_SECRET"), QString::fromLatin1(secret));
    return env;
}

