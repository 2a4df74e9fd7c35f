#pragma once

#include <QObject>
#include <QString>

#include <map>

namespace duplex::control {

// The live figures of the cluster's process table, node by node: resident memory and CPU
// time from /proc, connections and events per second from the node's /metrics on its
// admin port. Readings answer later than they are asked for, so each lands by name and
// is dropped when the node has been forgotten meanwhile.
class NodeStatsReader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeStatsReader)

public:
    struct Figures
    {
        double connections = 0;
        double eventsPerSecond = 0;
        qint64 residentBytes = 0;
        double cpuSeconds = 0;
    };

    explicit NodeStatsReader(QObject *parent = nullptr);

    // A running node: /proc now, then its /metrics (when it has an admin port) once they
    // come, within `timeoutMs`.
    void read(const QString &name, qint64 pid, quint16 adminPort, int timeoutMs);
    // A node that is not running serves no one; its last memory and CPU readings stay.
    void markIdle(const QString &name);
    // A node (re)started: its counters begin at zero, so the next reading is only the
    // base of its events per second.
    void resetRate(const QString &name);
    void forget(const QString &name);
    void clear();

    Figures figures(const QString &name) const;

private:
    struct Node
    {
        Figures figures;
        // For events/s: the previous reading of duplex_events_out_total.
        double lastEventsOut = -1;
        qint64 lastEventsAtMs = 0;
    };

    std::map<QString, Node> m_nodes;
};

} // namespace duplex::control
