#include "control/nodestatsreader.h"

#include "client/httpconnection.h"
#include "metrics/metrics.h"
#include "util/monotonic.h"
#include "util/procstats.h"

namespace duplex::control {

NodeStatsReader::NodeStatsReader(QObject *parent)
    : QObject(parent)
{
}

void NodeStatsReader::read(const QString &name, qint64 pid, quint16 adminPort, int timeoutMs)
{
    const qint64 now = util::monotonicMs();
    Figures &figures = m_nodes[name].figures;
    figures.residentBytes = util::residentBytes(pid);
    figures.cpuSeconds = double(util::cpuTimeMicros(pid)) / 1e6;
    if (adminPort == 0)
        return;
    client::HttpConnection::getOnce(
        QStringLiteral("127.0.0.1"), adminPort, "/metrics", timeoutMs, this,
        [this, name, now](const client::HttpResult &result) {
            auto it = m_nodes.find(name);
            if (it == m_nodes.end() || result.status != 200)
                return;
            Node &node = it->second;
            const QMap<QByteArray, double> values = metrics::Metrics::parse(result.body);
            node.figures.connections = values.value("duplex_connections");
            const double out = values.value("duplex_events_out_total", -1);
            if (node.lastEventsOut >= 0 && now > node.lastEventsAtMs)
                node.figures.eventsPerSecond = (out - node.lastEventsOut) * 1000.0 / double(now - node.lastEventsAtMs);
            node.lastEventsOut = out;
            node.lastEventsAtMs = now;
        });
}

void NodeStatsReader::markIdle(const QString &name)
{
    Figures &figures = m_nodes[name].figures;
    figures.connections = 0;
    figures.eventsPerSecond = 0;
}

void NodeStatsReader::resetRate(const QString &name)
{
    m_nodes[name].lastEventsOut = -1;
}

void NodeStatsReader::forget(const QString &name)
{
    m_nodes.erase(name);
}

void NodeStatsReader::clear()
{
    m_nodes.clear();
}

NodeStatsReader::Figures NodeStatsReader::figures(const QString &name) const
{
    const auto it = m_nodes.find(name);
    return it == m_nodes.end() ? Figures() : it->second.figures;
}

} // namespace duplex::control
