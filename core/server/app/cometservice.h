#pragma once

#include "app/nodeservice.h"

namespace duplex::node {
class CometNode;
}

namespace duplex::app {

// The Comet node process: the /xhr/ long-polling surface of the contract.
class CometService final : public NodeService
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometService)

public:
    using NodeService::NodeService;

protected:
    void createSurface(node::ChannelHub *hub, const app::ServerOptions &options, metrics::Metrics &metrics) override;
    quint16 listenSurface(const QHostAddress &address, quint16 port, QString *error) override;
    QJsonObject readyExtras(const app::ServerOptions &options) const override;

private:
    node::CometNode *m_node = nullptr;
};

} // namespace duplex::app
