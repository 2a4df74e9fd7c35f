#pragma once

namespace duplex::cli {

// The whole of duplex-loadgen's main(): a LoadRun against a running cluster (interval JSON
// lines and the summary on stdout, progress, live counters and the table on stderr, rows
// to --csv), or, with --worker, one worker process of a split run. Exit status: 0 when the
// run completed, 1 when it failed, 2 on a bad command line.
int runLoadgen(int argc, char **argv);

} // namespace duplex::cli
