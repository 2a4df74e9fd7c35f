// duplex-comet-node: the Comet (long-polling) surface of the contract. See --help.
#include "app/cometservice.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return app::runService(util::Role::Comet, argc, argv,
                           [](const app::ServerOptions &) { return new app::CometService; });
}
