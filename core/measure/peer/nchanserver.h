#pragma once

#include "peer/nchanconfig.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QTemporaryDir;
class QTimer;

namespace duplex::process {
class ChildProcess;
}

namespace duplex::peer {

// nchan, the benchmark's yardstick: Debian's nginx with libnginx-mod-nchan as a supervised
// user-level child (ChildProcess: own process group, PDEATHSIG), configured by
// renderNchanConfig in a fresh runtime directory, ready once its health location answers.
class NchanServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NchanServer)

public:
    enum class State { Stopped, Starting, Running, Stopping };

    struct Options
    {
        quint16 port = 0;                 // on 127.0.0.1; 0 picks a free one at start()
        int workers = 2;                  // nginx worker processes, at least 1
        int bufferLength = 10000;
        int messageTimeoutSeconds = 3600;
        QString nginxProgram;             // empty: `nginx` on PATH, else /usr/sbin/nginx
        QString modulePath = QString::fromLatin1(kNchanModulePath);
        QString runtimeDir;               // empty: a fresh /tmp/duplex-nchan-XXXXXX, removed at stop
        int readyTimeoutMs = 10000;
    };

    explicit NchanServer(Options options, QObject *parent = nullptr);
    ~NchanServer() override;

    // Answered by started() or startFailed(), always from the event loop.
    void start();
    // Stops nginx (SIGTERM, then SIGKILL of its process group); stopped() follows once the
    // master and every worker are gone. A start in progress is abandoned without startFailed.
    void stop();

    State state() const { return m_state; }
    const Options &options() const { return m_options; }
    // The port nginx listens on; known from start() on.
    quint16 port() const { return m_port; }
    QString runtimeDir() const { return m_runtimeDir; }
    QString configText() const { return m_configText; }
    qint64 masterPid() const;
    // The master and its workers as they are now (for CPU and memory accounting); empty
    // when nginx is not running.
    QList<qint64> pids() const;

signals:
    void started();
    void startFailed(const QString &reason);
    // nginx exited while running; the server is stopped.
    void failed(const QString &reason);
    void stopped();

private:
    // What the server reports once nginx is gone.
    enum class Outcome { Stopped, StartFailed, Failed };

    QString preflight();
    void probe(quint64 generation, int attemptsLeft);
    void handleChildStartFailed(const QString &reason);
    void handleChildExited();
    // Leaves Starting or Running towards Stopped, reporting `outcome` at the end.
    void windDown(Outcome outcome, const QString &reason);
    // Polls (never blocking) until the master and every known worker are gone, killing
    // stragglers by PID, then finishes.
    void reapAndFinish();
    void checkReaped();
    void finish();

    Options m_options;
    State m_state = State::Stopped;
    quint16 m_port = 0;
    QString m_nginxProgram;
    QString m_runtimeDir;
    QString m_configText;
    std::unique_ptr<QTemporaryDir> m_tempDir;
    process::ChildProcess *m_child = nullptr;
    QList<qint64> m_knownPids; // master and workers last seen, for the final check
    Outcome m_outcome = Outcome::Stopped;
    QString m_outcomeReason;
    bool m_reaping = false;
    int m_reapChecksLeft = 0;
    QTimer *m_reapTimer;
    quint64 m_generation = 0; // bumped by start() and stop(), so stale probes are recognised
};

} // namespace duplex::peer
