// duplex-ws-node: the WebSocket surface of the contract. See --help.
#include "app/websocketservice.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return app::runService(util::ServerRole::WebSocket, argc, argv,
                           [](const util::ServerOptions &) { return new app::WebSocketService; });
}
