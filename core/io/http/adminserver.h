#pragma once

#include "metrics/metrics.h"

#include <QHostAddress>
#include <QObject>

#include <functional>

namespace duplex::http {

class HttpService;

// The loopback operations port every server has: `GET /healthz` (200 while serving,
// 503 otherwise) and `GET /metrics` (Prometheus text).
class AdminServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminServer)

public:
    explicit AdminServer(metrics::Metrics *metrics, std::function<bool()> healthy, QObject *parent = nullptr);

    quint16 listen(const QHostAddress &address, quint16 port, QString *error);

private:
    metrics::Metrics *m_metrics;
    std::function<bool()> m_healthy;
    HttpService *m_service;
};

} // namespace duplex::http
