// duplex-bench-hostile: what each hostile client of issue 13 (slow readers, a ping flood, a
// malformed flood, 10,000 channels, 20,000 Comet clientIds, a large resume) costs the
// cluster's memory and a bystander's latency, against a baseline with no attack. See
// `duplex-bench-hostile --help` and core/commands/bench/hostilebench.h.
#include "hostilebenchmain.h"

int main(int argc, char **argv)
{
    return duplex::cli::runHostileBench(argc, argv);
}
