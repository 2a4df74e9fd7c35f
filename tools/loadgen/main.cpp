// duplex-loadgen: subscribers and publishers against a running cluster. See --help.
#include "loadgenmain.h"

int main(int argc, char **argv)
{
    return duplex::cli::runLoadgen(argc, argv);
}
