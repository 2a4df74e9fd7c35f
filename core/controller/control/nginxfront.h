#pragma once

#include "nginx/nginxconfig.h"
#include "process/childprocess.h"

#include <QObject>
#include <QPointer>

#include <memory>

class QTemporaryDir;

namespace duplex::control {

// The cluster's nginx in front of its nodes: its program, public port and runtime
// directory, its configuration written from the upstreams it is given, a starting nginx
// probed until it answers (it writes no READY line) and a running one reloaded. Which
// nodes exist, and supervising the nginx process, stay with the Cluster.
class NginxFront final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NginxFront)

public:
    // The nodes one configuration sends clients to.
    struct Upstreams
    {
        QList<nginx::Upstream> webSocketNodes;
        QList<nginx::Upstream> cometNodes;
        nginx::Upstream staticNode;
    };

    NginxFront(nginx::CometBalance cometBalance, int cometHoldSeconds, QObject *parent = nullptr);
    ~NginxFront() override;

    // Before a start: finds `program` (empty: nginx on PATH), reserves `port` (0: a free
    // one) and prepares `runtimeDir` (empty: a fresh temporary one); the first error, or
    // empty.
    QString prepare(const QString &program, quint16 port, const QString &runtimeDir);
    // After a stop: a temporary runtime directory is removed.
    void release();

    quint16 port() const { return m_port; }
    QString runtimeDir() const { return m_runtimeDir; }
    // The configuration last written, which a running nginx has read.
    QString configText() const { return m_configText; }

    // nginx in the foreground on the runtime directory's nginx.conf.
    process::ChildSpec childSpec(const QString &name) const;
    // Writes nginx.conf for `upstreams`; false with *error when it cannot.
    bool writeConfig(const Upstreams &upstreams, QString *error);
    // The configuration for `upstreams`, as writeConfig() would write it.
    QString renderConfig(const Upstreams &upstreams) const;
    // Asks the starting `nginx` for its health every 100 ms: marks it ready once it answers,
    // emits probeFailed when `timeoutMs` passes first, and stops asking once it is no longer
    // starting (its exit is reported by the process itself).
    void probe(process::ChildProcess *nginx, int timeoutMs);
    enum class Reload { Done, Unchanged, Failed };
    // Writes the configuration for `upstreams`, then tells the master at `pid` to apply it.
    // Unchanged (nothing written, nothing sent) when it renders as the one nginx runs: a
    // reload ends every proxied connection once the old workers' shutdown timeout passes,
    // so a node restarted on its own ports must not cause one. Failed, with *error and
    // nginx left as it was, when the file cannot be written.
    Reload reload(qint64 pid, const Upstreams &upstreams, QString *error);

signals:
    void probeFailed(const QString &reason);

private:
    void probeAgain(QPointer<process::ChildProcess> nginx, int attemptsLeft, int timeoutMs);

    const nginx::CometBalance m_cometBalance;
    const int m_cometHoldSeconds;
    QString m_program;
    quint16 m_port = 0;
    QString m_runtimeDir;
    std::unique_ptr<QTemporaryDir> m_tempDir;
    QString m_configText;
};

} // namespace duplex::control
