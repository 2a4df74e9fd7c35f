#pragma once

namespace duplex::cli {

// The whole of duplex-bench-hostile's main(): options, a bench::HostileBench, SIGINT and
// SIGTERM, the table on stdout, progress and failures on stderr, and the exit status: 0
// when no bystander message was lost and no process died, 1 otherwise, 2 on a bad command
// line.
int runHostileBench(int argc, char **argv);

} // namespace duplex::cli
