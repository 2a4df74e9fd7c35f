// duplex-broker: the cluster's sequencer and relay. See --help.
#include "app/brokerservice.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return app::runService(util::ServerRole::Broker, argc, argv,
                           [](const util::ServerOptions &) { return new app::BrokerService; });
}
