// duplexctl: runs the Duplex cluster, and experiments on it, from a shell. See
// `duplexctl --help`.
#include "ctlmain.h"

int main(int argc, char **argv)
{
    return duplex::cli::runCtl(argc, argv);
}
