#pragma once

#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

class QTimer;

namespace duplex::process {

class LineReader;

struct ChildSpec
{
    QString name;       // unique in the cluster: broker, ws-1, comet-2, static, nginx
    QString program;    // absolute path
    QStringList arguments;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    bool readyLine = true;     // waits for `READY {...}` on stdout; else the owner calls markReady()
    int parentDeathSignal = 9; // sent to the child if the controller dies (SIGKILL)
};

// One supervised child process: started in its own process group and bound to the
// controller's life (startInOwnGroup), so not even a SIGKILL of the controller leaves it
// behind; its output passed on line by line from each channel (LineReader).
class ChildProcess final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChildProcess)

public:
    enum class State { Idle, Starting, Running, Stopping, Exited };

    explicit ChildProcess(ChildSpec spec, QObject *parent = nullptr);
    ~ChildProcess() override;

    void start(int readyTimeoutMs = 10000);
    // SIGTERM, then SIGKILL after `graceMs`.
    void stop(int graceMs = 3000);
    // SIGKILL now, as a crash would: reported as an unexpected exit (fault injection).
    void kill();
    // For children without a READY line: the owner decided the child serves.
    void markReady(const QJsonObject &info = {});

    const ChildSpec &spec() const { return m_spec; }
    ChildSpec &spec() { return m_spec; }
    const QString &name() const { return m_spec.name; }
    State state() const { return m_state; }
    qint64 pid() const { return m_pid; }
    QJsonObject readyInfo() const { return m_readyInfo; }
    QStringList stderrTail() const { return m_stderrTail; }
    // "exit code 3", "killed by signal 9 (Killed)"...
    QString exitDescription() const { return m_exitDescription; }

signals:
    void ready(const QJsonObject &info);
    void startFailed(const QString &reason);
    // The process ended; `expected` is true when stop() or kill() asked for it.
    void exited(bool expected);
    void outputLine(const QString &name, bool isStderr, const QString &line);

private:
    void handleLine(QProcess::ProcessChannel channel, const QByteArray &line);
    void handleFinished(int exitCode, QProcess::ExitStatus status);
    void handleError(QProcess::ProcessError error);
    void handleReadyTimeout();
    void failStart(const QString &reason);

    ChildSpec m_spec;
    QProcess *m_process;
    QTimer *m_readyTimer;
    QTimer *m_killTimer;
    State m_state = State::Idle;
    qint64 m_pid = 0;
    bool m_stopRequested = false;
    QJsonObject m_readyInfo;
    QStringList m_stderrTail;
    QString m_exitDescription;
};

QString stateName(ChildProcess::State state);

} // namespace duplex::process
