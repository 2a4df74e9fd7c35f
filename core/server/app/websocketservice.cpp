#include "app/websocketservice.h"

#include "node/websocketnode.h"

namespace duplex::app {

void WebSocketService::createSurface(node::ChannelHub *hub, const app::ServerOptions &options, metrics::Metrics &metrics)
{
    node::WebSocketNode::Limits limits;
    limits.maxMessageBytes = options.maxMessageBytes;
    limits.publishRate = options.rateLimit;
    limits.publishBurst = options.rateLimit * 2;
    limits.maxLagMs = options.maxLagMs;
    limits.maxBacklogBytes = options.maxBacklogBytes;
    limits.maxOutboundBytes = options.maxOutboundBytes;
    limits.maxConnections = options.maxConnections;
    limits.maxPerAddress = options.maxPerAddress;
    limits.presenceLimit = options.presenceLimit;
    m_node = new node::WebSocketNode(hub, limits, this);
    m_node->registerMetrics(metrics);
}

quint16 WebSocketService::listenSurface(const QHostAddress &address, quint16 port, QString *error)
{
    return m_node->listen(address, port, error);
}

} // namespace duplex::app
