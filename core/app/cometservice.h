#pragma once

#include "app/service.h"

#include "http/metrics.h"

namespace duplex::http {
class AdminServer;
}
namespace duplex::node {
class ChannelHub;
class CometNode;
}

namespace duplex::app {

// The Comet node process: joins the broker first, then listens, so it never accepts a
// poll it could not serve.
class CometService final : public Service
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometService)

public:
    using Service::Service;
    void start(const util::ServerOptions &options) override;

private:
    void handleHubReady();

    util::ServerOptions m_options;
    node::ChannelHub *m_hub = nullptr;
    node::CometNode *m_node = nullptr;
    http::AdminServer *m_admin = nullptr;
    http::Metrics m_metrics;
};

} // namespace duplex::app
