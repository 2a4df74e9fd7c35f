#include "app/nodeservice.h"

#include "http/adminserver.h"
#include "node/channelhub.h"

namespace duplex::app {

void NodeService::start(const app::ServerOptions &options)
{
    m_options = options;
    m_hub = new node::ChannelHub(options.name, options.secret, options.buffer, this);
    createSurface(m_hub, options, m_metrics);
    m_admin = new http::AdminServer(&m_metrics, [this] { return m_hub->isReady(); }, this);

    connect(m_hub, &node::ChannelHub::ready, this, &NodeService::handleHubReady);
    connect(m_hub, &node::ChannelHub::failed, this, &Service::failed);
    m_hub->connectToBroker(m_options.brokerHost, m_options.brokerPort);
}

void NodeService::handleHubReady()
{
    QString error;
    const quint16 port = listenSurface(m_options.host, m_options.port, &error);
    const quint16 admin = port ? m_admin->listen(m_options.host, m_options.adminPort, &error) : 0;
    if (!port || !admin) {
        emit failed(error);
        return;
    }
    QJsonObject ready = readyExtras(m_options);
    ready.insert(QStringLiteral("port"), port);
    ready.insert(QStringLiteral("admin"), admin);
    emit started(ready);
}

} // namespace duplex::app
