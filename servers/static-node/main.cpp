// duplex-static-node: serves the browser client (resources/web). See --help.
#include "app/staticservice.h"
#include "servicemain.h"

int main(int argc, char **argv)
{
    using namespace duplex;
    return cli::runService(util::Role::Static, argc, argv,
                           [](const app::ServerOptions &) { return new app::StaticService; });
}
