// duplex-bench-fanout: one publisher, many WebSocket subscribers through nginx; prints
// throughput, latency, loss and the nodes' cost per connection and per message. See
// `duplex-bench-fanout --help` and core/loadgen/clusterbench.h.
#include "bench/runclusterbench.h"

int main(int argc, char **argv)
{
    return duplex::loadgen::runClusterBench(duplex::loadgen::ClusterBenchKind::Fanout, argc, argv);
}
