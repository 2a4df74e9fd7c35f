#pragma once

#include "app/service.h"

#include "metrics/metrics.h"

#include <QHostAddress>

namespace duplex::http {
class AdminServer;
}
namespace duplex::node {
class ChannelHub;
}

namespace duplex::app {

// What every node process (WebSocket, Comet) does around its surface: joins the broker
// first, then listens, so it never accepts a client it could not serve; then its admin
// port. A lost broker link is ridden out by the hub (its /healthz says 503 meanwhile). A subclass only builds its surface and listens with it.
class NodeService : public Service
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeService)

public:
    using Service::Service;
    void start(const app::ServerOptions &options) final;

protected:
    // Builds the client-facing surface over `hub` and registers its metrics.
    virtual void createSurface(node::ChannelHub *hub, const app::ServerOptions &options, metrics::Metrics &metrics) = 0;
    // Listens with the surface; the bound port, or 0 with *error set.
    virtual quint16 listenSurface(const QHostAddress &address, quint16 port, QString *error) = 0;
    // Fields the READY line adds for this kind of node.
    virtual QJsonObject readyExtras(const app::ServerOptions &) const { return {}; }

private:
    void handleHubReady();

    app::ServerOptions m_options;
    node::ChannelHub *m_hub = nullptr;
    http::AdminServer *m_admin = nullptr;
    metrics::Metrics m_metrics;
    bool m_listening = false;
};

} // namespace duplex::app
