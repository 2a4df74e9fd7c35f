#pragma once

#include "control/cluster.h"

#include <QList>
#include <QObject>

#include <functional>

namespace duplex::bench {

// Reads the cost figures of the cluster's WebSocket and Comet nodes from their admin
// ports' /metrics (process_cpu_seconds_total, process_resident_memory_bytes), all nodes
// at once, so one reading is one moment of the run.
class NodeSampler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeSampler)

public:
    struct Sample
    {
        QString name;
        control::NodeRole role = control::NodeRole::WebSocket;
        double cpuSeconds = -1; // -1: no answer
        double residentBytes = -1;
    };
    using Samples = QList<Sample>;
    using Done = std::function<void(const Samples &)>;

    explicit NodeSampler(QObject *parent = nullptr);
    ~NodeSampler() override;

    // Reads every WebSocket and Comet node of `nodes`; `done` runs exactly once, from the
    // event loop, when all have answered or `timeoutMs` has passed (unanswered: -1). A
    // sampler being destroyed cancels it.
    void sample(const QList<control::NodeStatus> &nodes, int timeoutMs, Done done);

    // Sum over the nodes of `role`; -1 when there are none or any of them is missing.
    static double cpuSeconds(const Samples &samples, control::NodeRole role);
    static double residentBytes(const Samples &samples, control::NodeRole role);
};

} // namespace duplex::bench
