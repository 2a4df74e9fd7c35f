#include "app/cometservice.h"

#include "node/cometnode.h"

namespace duplex::app {

void CometService::createSurface(node::ChannelHub *hub, const app::ServerOptions &options, metrics::Metrics &metrics)
{
    node::CometNode::Limits limits;
    limits.maxMessageBytes = options.maxMessageBytes;
    limits.publishRate = options.rateLimit;
    limits.publishBurst = options.rateLimit * 2;
    limits.holdMs = options.holdSeconds * 1000;
    limits.maxSessions = options.maxConnections;
    limits.presenceLimit = options.presenceLimit;
    limits.newSessionRate = options.newSessionRate;
    m_node = new node::CometNode(hub, limits, this);
    m_node->registerMetrics(metrics);
}

quint16 CometService::listenSurface(const QHostAddress &address, quint16 port, QString *error)
{
    return m_node->listen(address, port, error);
}

QJsonObject CometService::readyExtras(const app::ServerOptions &options) const
{
    return {{QStringLiteral("hold"), options.holdSeconds}};
}

} // namespace duplex::app
