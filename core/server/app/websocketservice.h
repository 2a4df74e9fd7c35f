#pragma once

#include "app/nodeservice.h"

namespace duplex::node {
class WebSocketNode;
}

namespace duplex::app {

// The WebSocket node process: the /ws/ surface of the contract.
class WebSocketService final : public NodeService
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebSocketService)

public:
    using NodeService::NodeService;

protected:
    void createSurface(node::ChannelHub *hub, const app::ServerOptions &options, metrics::Metrics &metrics) override;
    quint16 listenSurface(const QHostAddress &address, quint16 port, QString *error) override;

private:
    node::WebSocketNode *m_node = nullptr;
};

} // namespace duplex::app
