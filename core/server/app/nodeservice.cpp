#include "app/nodeservice.h"

#include "http/adminserver.h"
#include "node/channelhub.h"

namespace duplex::app {

void NodeService::start(const app::ServerOptions &options)
{
    m_options = options;
    m_hub = new node::ChannelHub(options.name, options.secret, options.buffer, options.bufferBytes,
                                 options.bufferTotalBytes, this);
    m_hub->setIdleLimitMs(options.channelIdleMs);
    createSurface(m_hub, options, m_metrics);
    m_admin = new http::AdminServer(&m_metrics, [this] { return m_hub->isReady(); }, this);

    using K = metrics::Metrics::Kind;
    m_metrics.add("duplex_bus_link_up", K::Gauge, "1 while the link to the broker is up and caught up, else 0.",
                  [this] { return m_hub->isReady() ? 1.0 : 0.0; });
    m_metrics.add("duplex_bus_reconnects_total", K::Counter, "Attempts to reconnect to the broker after losing it.",
                  [this] { return double(m_hub->reconnects()); });
    m_metrics.add("duplex_bus_backfilled_events_total", K::Counter,
                  "Events fetched from the broker's history after a reconnect, missed while the link was down.",
                  [this] { return double(m_hub->eventsBackfilled()); });
    m_metrics.add("duplex_publishes_unavailable_total", K::Counter,
                  "Publishes refused as unavailable: the broker link was down or went down before their seq came.",
                  [this] { return double(m_hub->publishesUnavailable()); });
    m_metrics.add("duplex_buffer_bytes", K::Gauge, "Bytes of events in this node's buffer, every channel (--buffer-total).",
                  [this] { return double(m_hub->store().bytes()); });
    m_metrics.add("duplex_channels", K::Gauge, "Channels this node knows the head of: in use, or lately.",
                  [this] { return double(m_hub->store().channelCount()); });
    m_metrics.add("duplex_channels_evicted_total", K::Counter,
                  "Channels forgotten: no client on this node and no event for --channel-idle.",
                  [this] { return double(m_hub->channelsEvicted()); });
    m_metrics.add("duplex_head_lookups_total", K::Counter,
                  "Channels whose head was asked of the broker: a client came for a channel this node did not know.",
                  [this] { return double(m_hub->headLookups()); });

    connect(m_hub, &node::ChannelHub::ready, this, &NodeService::handleHubReady);
    connect(m_hub, &node::ChannelHub::failed, this, &Service::failed);
    // The established exception to "core prints nothing": bus trouble is logged where it
    // happens, once per event.
    connect(m_hub, &node::ChannelHub::linkLost, this, [this](const QString &reason) {
        qWarning("%s: lost the broker: %s; reconnecting", qPrintable(m_options.name), qPrintable(reason));
    });
    connect(m_hub, &node::ChannelHub::resynced, this,
            [this] { qInfo("%s: back on the broker, caught up", qPrintable(m_options.name)); });
    m_hub->connectToBroker(m_options.brokerHost, m_options.brokerPort);
}

void NodeService::handleHubReady()
{
    // Listening starts with the first `ready`; later ones follow a reconnect.
    if (m_listening)
        return;
    m_listening = true;
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
