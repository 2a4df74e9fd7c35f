#pragma once

#include "bench/benchrun.h"
#include "loadgen/loadoptions.h"

#include <QString>

namespace duplex::bench {

// The two benches of bench/, which differ only in their question and so in their knobs:
// Comet is the thesis's experiment (both transports side by side, one message every
// interval), Fanout one WebSocket transport with many subscribers at a rate.
enum class ClusterBenchKind { Comet, Fanout };

// One run of a bench: the cluster it starts and the LoadRun it drives against it.
struct ClusterBenchConfig
{
    ClusterBenchKind kind = ClusterBenchKind::Comet;
    int webSocketNodes = 2;
    int cometNodes = 2;
    // Host and port are filled in once the cluster is up.
    loadgen::LoadOptions load;
    // A lost or duplicated delivery fails the run (always for Fanout).
    bool requireComplete = false;
    QString jsonFile; // empty: no JSON

    QString program() const;
    // The run these options ask for.
    BenchRunConfig runConfig() const;
};

struct ClusterBenchParse
{
    enum class Status { Ok, Help, Error };
    Status status = Status::Ok;
    ClusterBenchConfig config;
    QString text; // help, or the error in one line
};

// Reads the command line (arguments include argv[0]) of duplex-bench-comet or
// duplex-bench-fanout.
ClusterBenchParse parseClusterBenchOptions(ClusterBenchKind kind, const QStringList &arguments);

} // namespace duplex::bench
