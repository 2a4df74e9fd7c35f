#pragma once

#include "protocol/transport.h"
#include "util/role.h"

#include <QObject>
#include <QString>

#include <memory>

namespace duplex::control {
class Cluster;
}
namespace duplex::peer {
class NchanServer;
}

namespace duplex::bench {

// What a bench measures, started fresh for one run and stopped after it: a Duplex cluster
// behind nginx, or nchan (the yardstick, core/measure/peer); and the one place where the
// benches read its processes in /proc.
class BenchTarget final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BenchTarget)

public:
    enum class Kind { Duplex, Nchan };

    struct Config
    {
        Kind kind = Kind::Duplex;
        int webSocketNodes = 2;
        int cometNodes = 2;
        int nchanWorkers = 2;  // nginx workers of the peer: as many as a cluster has nodes per transport
        QString nginxProgram;  // empty: nginx on PATH or /usr/sbin/nginx
        QString binDir;        // where the duplex-* servers are; empty: beside this program
    };

    // CPU (µs) and resident memory (bytes) summed over some processes; -1 where one of
    // them could not be read.
    struct Reading
    {
        qint64 cpuMicros = 0;
        qint64 residentBytes = 0;

        bool cpuKnown() const { return cpuMicros >= 0; }
        bool memoryKnown() const { return residentBytes > 0; }
    };

    explicit BenchTarget(Config config, QObject *parent = nullptr);
    ~BenchTarget() override;

    // Answered by started() or failed().
    void start();
    // stopped() follows once every process is gone, from the event loop (at once when
    // nothing runs). What the target reports while stopping is not a failure.
    void stop();

    const Config &config() const { return m_config; }
    // "2 WebSocket + 2 Comet nodes behind nginx", "nchan (nginx with 2 workers)".
    QString description() const;
    // Where clients connect, on 127.0.0.1; known once started.
    quint16 port() const;

    // Every server process: nodes, broker, static node, nginx and its workers (for nchan,
    // its master and workers). The bench's own process is not one of them.
    Reading readServers() const;
    // The processes that hold `transport`'s connections: that role's nodes (nchan's
    // workers, whatever the transport; its master only supervises).
    Reading readTransport(protocol::Transport transport) const;
    // The running processes of one role of a cluster (nginx: its master and workers);
    // unknown (-1) for nchan, which has no roles.
    Reading readRole(util::Role role) const;
    // The admin port (/metrics) of the first running node of `role`; 0 when there is none.
    quint16 adminPort(util::Role role) const;

signals:
    void progressed(const QString &line);
    void started();
    // It did not start, or lost a part it cannot run without; it is stopped or stopping.
    void failed(const QString &reason);
    // A part of it exited during the run (a node: the cluster carries on, the run does not
    // count).
    void faulted(const QString &reason);
    void stopped();

private:
    void startCluster();
    void startNchan();
    QList<qint64> transportPids(protocol::Transport transport) const;
    QList<qint64> serverPids() const;
    QList<qint64> rolePids(util::Role role) const;
    static Reading read(const QList<qint64> &pids);

    Config m_config;
    std::unique_ptr<control::Cluster> m_cluster;
    std::unique_ptr<peer::NchanServer> m_nchan;
    bool m_stopping = false;
};

} // namespace duplex::bench
