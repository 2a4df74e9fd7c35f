// duplex-broker: the cluster's sequencer and relay. See --help.
#include "app/brokerservice.h"
#include "servicemain.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return cli::runService(util::Role::Broker, argc, argv,
                           [](const app::ServerOptions &) { return new app::BrokerService; });
}
