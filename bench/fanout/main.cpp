// duplex-bench-fanout: one publisher, many WebSocket subscribers through nginx; prints
// throughput, latency, loss and the nodes' cost per connection and per message. See
// `duplex-bench-fanout --help` and core/commands/bench/benchrun.h.
#include "benchmain.h"

int main(int argc, char **argv)
{
    return duplex::cli::runClusterBench(duplex::bench::ClusterBenchKind::Fanout, argc, argv);
}
