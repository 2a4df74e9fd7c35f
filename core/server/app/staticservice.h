#pragma once

#include "app/service.h"

#include "metrics/metrics.h"
#include "web/staticsite.h"

#include <QHttpServerResponder>

class QHttpServerRequest;
class QTcpSocket;

namespace duplex::http {
class AdminServer;
class HttpService;
}

namespace duplex::app {

// The static node process: the browser client's files over HTTP (GET and HEAD only),
// never anything outside the web root, plus the admin port.
class StaticService final : public Service
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StaticService)

public:
    using Service::Service;
    void start(const app::ServerOptions &options) override;

private:
    void handleRequest(const QHttpServerRequest &request, QTcpSocket *socket);
    void respond(QHttpServerResponder &responder, bool head, QHttpServerResponder::StatusCode status,
                 const QByteArray &contentType, const QByteArray &body,
                 const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});

    web::StaticSite m_site{QString()};
    http::HttpService *m_http = nullptr;
    http::AdminServer *m_admin = nullptr;
    metrics::Metrics m_metrics;

    quint64 m_requests = 0;
    quint64 m_responses[5] = {}; // by status class: 1xx .. 5xx
    quint64 m_bytesOut = 0;      // body bytes
};

} // namespace duplex::app
