#include "app/brokerservice.h"

#include "bus/brokerserver.h"
#include "http/adminserver.h"

#include <QTimer>

namespace duplex::app {

void BrokerService::start(const app::ServerOptions &options)
{
    m_broker = new bus::BrokerServer(options.secret, options.history, options.historyBytes, options.historyTotalBytes, this);
    m_broker->setMaxNodeLag(options.maxNodeLag);
    m_broker->setMaxChannels(options.maxChannels);
    m_broker->setDedupeBytes(options.dedupeBytes);
    connect(m_broker, &bus::BrokerServer::nodeDropped, this, [](const QString &name, const QString &reason) {
        qWarning("broker: dropped node %s: %s", qPrintable(name), qPrintable(reason));
    });
    connect(m_broker, &bus::BrokerServer::nodeRefused, this, [](const QString &peer, const QString &reason) {
        qWarning("broker: refused %s: %s", qPrintable(peer), qPrintable(reason));
    });
    connect(m_broker, &bus::BrokerServer::nodeAuthenticated, this,
            [](const QString &name) { qInfo("broker: node %s joined", qPrintable(name)); });
    connect(m_broker, &bus::BrokerServer::nodeDisconnected, this,
            [](const QString &name) { qInfo("broker: node %s left", qPrintable(name)); });
    m_admin = new http::AdminServer(&m_broker->metrics(), [] { return true; }, this);
    QString error;
    const quint16 port = m_broker->listen(options.host, options.port, &error);
    const quint16 admin = port ? m_admin->listen(options.host, options.adminPort, &error) : 0;
    if (!port || !admin) {
        // Queued: the caller connects to `failed` after start() returns.
        QTimer::singleShot(0, this, [this, error] { emit failed(error); });
        return;
    }
    QTimer::singleShot(0, this, [this, port, admin, options] {
        emit started({{QStringLiteral("port"), port},
                      {QStringLiteral("admin"), admin},
                      {QStringLiteral("history"), options.history}});
    });
}

} // namespace duplex::app
