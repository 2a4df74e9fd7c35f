#pragma once

#include "app/service.h"

namespace duplex::bus {
class BrokerServer;
}
namespace duplex::http {
class AdminServer;
}

namespace duplex::app {

// The broker process: the sequencer on its bus port plus the admin port.
class BrokerService final : public Service
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BrokerService)

public:
    using Service::Service;
    void start(const app::ServerOptions &options) override;

private:
    bus::BrokerServer *m_broker = nullptr;
    http::AdminServer *m_admin = nullptr;
};

} // namespace duplex::app
