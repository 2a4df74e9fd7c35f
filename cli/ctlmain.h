#pragma once

namespace duplex::cli {

// The whole of duplexctl's main(): `up` runs a cluster and shows it live, `bench` runs an
// experiment and prints its tables; the exit status is the command's (2 on a bad command
// line).
int runCtl(int argc, char **argv);

} // namespace duplex::cli
