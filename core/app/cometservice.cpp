#include "app/cometservice.h"

#include "http/adminserver.h"
#include "node/channelhub.h"
#include "node/cometnode.h"

namespace duplex::app {

void CometService::start(const util::ServerOptions &options)
{
    m_options = options;
    m_hub = new node::ChannelHub(options.name, options.secret, options.buffer, this);
    node::CometNode::Limits limits;
    limits.maxMessageBytes = options.maxMessageBytes;
    limits.publishRate = options.rateLimit;
    limits.publishBurst = options.rateLimit * 2;
    limits.holdMs = options.holdSeconds * 1000;
    m_node = new node::CometNode(m_hub, limits, this);
    m_node->registerMetrics(m_metrics);
    m_admin = new http::AdminServer(&m_metrics, [this] { return m_hub->isReady(); }, this);

    connect(m_hub, &node::ChannelHub::ready, this, &CometService::handleHubReady);
    connect(m_hub, &node::ChannelHub::failed, this, &Service::failed);
    m_hub->connectToBroker(options.brokerHost, options.brokerPort);
}

void CometService::handleHubReady()
{
    QString error;
    const quint16 port = m_node->listen(m_options.host, m_options.port, &error);
    const quint16 admin = port ? m_admin->listen(m_options.host, m_options.adminPort, &error) : 0;
    if (!port || !admin) {
        emit failed(error);
        return;
    }
    emit started({{QStringLiteral("port"), port},
                  {QStringLiteral("admin"), admin},
                  {QStringLiteral("hold"), m_options.holdSeconds}});
}

} // namespace duplex::app
