// duplex-ws-node: the WebSocket surface of the contract. See --help.
#include "app/websocketservice.h"
#include "servicemain.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return cli::runService(util::Role::WebSocket, argc, argv,
                           [](const app::ServerOptions &) { return new app::WebSocketService; });
}
