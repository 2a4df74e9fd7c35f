// duplex-bench-comet: Comet (long-polling) against WebSocket side by side, as the 2016
// thesis charted them: one publisher, subscribers of both kinds on one channel, through
// nginx; prints loss, latency, the time between consecutive messages and the nodes' cost
// per transport. See `duplex-bench-comet --help` and core/commands/bench/benchrun.h.
#include "benchmain.h"

int main(int argc, char **argv)
{
    return duplex::cli::runClusterBench(duplex::bench::ClusterBenchKind::Comet, argc, argv);
}
