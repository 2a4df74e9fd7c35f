#pragma once

#include "bench/clusterbenchoptions.h"

namespace duplex::cli {

// The whole of a bench/ program's main(): options, a BenchRun, SIGINT/SIGTERM, the report
// (table on stdout, failures and progress on stderr, JSON to --json) and the exit status:
// 0 when the run passed, 1 when it did not, 2 on a bad command line.
int runClusterBench(bench::ClusterBenchKind kind, int argc, char **argv);

} // namespace duplex::cli
