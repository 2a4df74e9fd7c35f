#include "attack/requestflood.h"

#include "client/httpconnection.h"

#include <QStringList>

namespace duplex::attack {

RequestFlood::RequestFlood(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
}

RequestFlood::~RequestFlood() = default;

void RequestFlood::start()
{
    const int connections = qMax(1, m_config.connections);
    for (int c = 0; c < connections; ++c)
        m_connections.push_back(std::make_unique<client::HttpConnection>(m_config.host, m_config.port));
    const QByteArray body = m_config.body.isEmpty() && m_config.method == "POST" ? QByteArray("x") : m_config.body;
    for (int i = 0; i < m_config.count; ++i) {
        m_connections[size_t(i % connections)]->request(m_config.method, m_config.target(i), body, {}, m_config.timeoutMs,
                                                        [this](const client::HttpResult &r) {
                                                            if (m_done)
                                                                return;
                                                            ++m_statuses[r.status];
                                                            if (++m_answered == m_config.count) {
                                                                m_done = true;
                                                                emit finished();
                                                            }
                                                        });
    }
    if (m_config.count == 0) {
        m_done = true;
        QMetaObject::invokeMethod(this, &RequestFlood::finished, Qt::QueuedConnection);
    }
}

void RequestFlood::abort()
{
    if (!m_done && !m_connections.empty())
        m_statuses[0] += m_config.count - m_answered;
    m_done = true;
    // Destroying a connection drops the callbacks of what it had not answered.
    m_connections.clear();
}

QString RequestFlood::describe() const
{
    QStringList parts;
    for (auto it = m_statuses.cbegin(); it != m_statuses.cend(); ++it) {
        if (it.value() > 0)
            parts << QStringLiteral("%1 x %2").arg(it.value()).arg(it.key() == 0 ? QStringLiteral("none") : QString::number(it.key()));
    }
    return parts.isEmpty() ? QStringLiteral("nothing answered") : parts.join(QStringLiteral(", "));
}

} // namespace duplex::attack
