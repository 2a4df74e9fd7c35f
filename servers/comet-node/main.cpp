// duplex-comet-node: the Comet (long-polling) surface of the contract. See --help.
#include "app/cometservice.h"
#include "servicemain.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return cli::runService(util::Role::Comet, argc, argv,
                           [](const app::ServerOptions &) { return new app::CometService; });
}
