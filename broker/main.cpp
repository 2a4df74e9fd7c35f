// duplex-broker: the cluster's sequencer and relay. See --help.
#include "app/brokerservice.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return app::runService(util::Role::Broker, argc, argv,
                           [](const app::ServerOptions &) { return new app::BrokerService; });
}
