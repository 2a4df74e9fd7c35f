#include "app/websocketservice.h"

#include "http/adminserver.h"
#include "node/channelhub.h"
#include "node/websocketnode.h"

namespace duplex::app {

void WebSocketService::start(const util::ServerOptions &options)
{
    m_options = options;
    m_hub = new node::ChannelHub(options.name, options.secret, options.buffer, this);
    node::WebSocketNode::Limits limits;
    limits.maxMessageBytes = options.maxMessageBytes;
    limits.publishRate = options.rateLimit;
    limits.publishBurst = options.rateLimit * 2;
    m_node = new node::WebSocketNode(m_hub, limits, this);
    m_node->registerMetrics(m_metrics);
    m_admin = new http::AdminServer(&m_metrics, [this] { return m_hub->isReady(); }, this);

    connect(m_hub, &node::ChannelHub::ready, this, &WebSocketService::handleHubReady);
    connect(m_hub, &node::ChannelHub::failed, this, &Service::failed);
    m_hub->connectToBroker(options.brokerHost, options.brokerPort);
}

void WebSocketService::handleHubReady()
{
    QString error;
    const quint16 port = m_node->listen(m_options.host, m_options.port, &error);
    const quint16 admin = port ? m_admin->listen(m_options.host, m_options.adminPort, &error) : 0;
    if (!port || !admin) {
        emit failed(error);
        return;
    }
    emit started({{QStringLiteral("port"), port}, {QStringLiteral("admin"), admin}});
}

} // namespace duplex::app
