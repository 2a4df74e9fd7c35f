#pragma once

#include "control/nginxfront.h"
#include "control/restartpolicy.h"
#include "process/childprocess.h"
#include "nginx/nginxconfig.h"
#include "util/role.h"

#include <QHostAddress>
#include <QObject>

#include <map>

class QTimer;

namespace duplex::control {

class NodeStatsReader;

struct ClusterConfig
{
    int webSocketNodes = 2;
    int cometNodes = 2;
    quint16 port = 8080;            // nginx's public port; 0 picks a free one
    QString runtimeDir;             // empty: a fresh /tmp/duplex-XXXXXX, removed at stop
    QString binDir;                 // where the duplex-* binaries are
    QString webRoot;                // static node's root; empty: its default
    QString nginxProgram;           // empty: `nginx` on PATH or /usr/sbin/nginx
    bool restart = false;           // restart nodes that die
    nginx::CometBalance cometBalance = nginx::CometBalance::IpHash;
    int history = 10000;
    qint64 maxNodeLag = 0;          // the broker's --max-node-lag; 0: its default
    int cometHoldSeconds = 25;      // Comet nodes' --hold; nginx's read timeout follows it
    int readyTimeoutMs = 10000;
    int statsIntervalMs = 1000;
    // Options passed as they are to every server of a role (e.g. {WebSocket: --max-lag 2}),
    // after the ones the cluster sets: a later option wins.
    std::map<util::Role, QStringList> serverArguments;
};

// One row of the cluster's process table.
struct NodeStatus
{
    QString name;
    util::Role role = util::Role::WebSocket;
    process::ChildProcess::State state = process::ChildProcess::State::Idle;
    qint64 pid = 0;
    quint16 port = 0;
    quint16 adminPort = 0;
    int restarts = 0;
    double connections = 0;
    double eventsPerSecond = 0;
    qint64 residentBytes = 0;
    double cpuSeconds = 0;
    qint64 uptimeMs = 0;
};

// The cluster of the thesis under one controller: broker, WebSocket and Comet nodes, the
// static node and nginx, started in dependency order, supervised, reconfigured live and
// stopped together. duplexctl and the control panel are views over this class. It keeps
// the membership and the restarts; nginx's side is its NginxFront, the process table's
// figures its NodeStatsReader.
class Cluster final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Cluster)

public:
    enum class State { Stopped, Starting, Running, Stopping };

    explicit Cluster(ClusterConfig config, QObject *parent = nullptr);
    ~Cluster() override;

    void start();
    void stop();
    // Adds a WebSocket or Comet node; nginx is reloaded once it is ready.
    bool addNode(util::Role role, QString *error);
    // Takes a node out of nginx, then stops it.
    bool removeNode(const QString &name, QString *error);
    // SIGKILL, as a crash would (fault injection); restarted when `restart` is set.
    bool killNode(const QString &name, QString *error);
    // Stops a WebSocket or Comet node gracefully and starts it again on the same ports
    // (a dead one is started at once); its clients reconnect and resume with `since`.
    bool restartNode(const QString &name, QString *error);

    State state() const { return m_state; }
    quint16 port() const;
    QString publicUrl() const;
    QString runtimeDir() const;
    QString nginxConfigText() const;
    QList<NodeStatus> nodes() const;

signals:
    void progress(const QString &step);
    void started();
    void startFailed(const QString &reason);
    // The running cluster lost a part it cannot do without (broker, nginx); it stops.
    void failed(const QString &reason);
    void stopped();
    void nodeStarted(const QString &name);
    // A node ended on its own or by killNode() (`killed`: asked for, as a fault to inject;
    // the restart policy applies all the same). Stops and restarts asked for are not exits.
    void nodeExited(const QString &name, const QString &description, const QStringList &stderrTail, bool killed);
    void nodeRestarting(const QString &name, int delayMs);
    void nginxReloaded();
    void statsUpdated(const QList<duplex::control::NodeStatus> &nodes);
    void outputLine(const QString &name, bool isStderr, const QString &line);

private:
    struct Member
    {
        util::Role role;
        process::ChildProcess *child = nullptr;
        int restarts = 0;
        RestartPolicy restartPolicy;
        qint64 startedAtMs = 0;
        bool removing = false;
        bool restartRequested = false; // restartNode(): start again once it has exited
        bool killRequested = false;    // killNode(): its exit was asked for
        NodeStatus stats; // name, role and ports; the live figures are m_stats'
    };

    QString preflight();
    process::ChildProcess *spawn(const QString &name, util::Role role, quint16 port = 0, quint16 adminPort = 0);
    QStringList nodeArguments(const QString &name, util::Role role, quint16 port, quint16 adminPort) const;
    void startNodes();
    void startNginx();
    void reloadNginx();
    NginxFront::Upstreams upstreams() const;
    void handleReady(const QString &name);
    void handleStartFailed(const QString &reason);
    void handleExited(const QString &name);
    void restartLater(const QString &name);
    void handleNginxProbeFailed(const QString &reason);
    void abortStart(const QString &reason);
    void finishStopIfDone();
    void pollStats();
    QString nextName(util::Role role) const;
    Member *member(const QString &name);
    // Drops a member whose process has exited, and its figures.
    void erase(const QString &name);

    ClusterConfig m_config;
    State m_state = State::Stopped;
    QByteArray m_secret;
    NginxFront *m_nginx;
    NodeStatsReader *m_stats;
    quint16 m_brokerPort = 0;
    std::map<QString, Member> m_members;
    QTimer *m_statsTimer;
    bool m_failed = false;
};

} // namespace duplex::control
