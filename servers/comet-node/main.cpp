// duplex-comet-node: the Comet (long-polling) surface of the contract. See --help.
#include "app/cometservice.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return app::runService(util::ServerRole::Comet, argc, argv,
                           [](const util::ServerOptions &) { return new app::CometService; });
}
