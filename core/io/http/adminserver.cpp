#include "http/adminserver.h"

#include "http/httpservice.h"

#include <QHttpServerRequest>

namespace duplex::http {

using Status = QHttpServerResponder::StatusCode;

AdminServer::AdminServer(metrics::Metrics *metrics, std::function<bool()> healthy, QObject *parent)
    : QObject(parent)
    , m_metrics(metrics)
    , m_healthy(std::move(healthy))
{
    m_service = new HttpService(
        [this](const QHttpServerRequest &request, QTcpSocket *socket) {
            QHttpServerResponder responder = HttpService::responderFor(request, socket);
            const QString path = request.url().path();
            if (path != QLatin1String("/healthz") && path != QLatin1String("/metrics")) {
                reply(responder, Status::NotFound, "text/plain", "not found: use /healthz or /metrics\n");
                return;
            }
            if (request.method() != QHttpServerRequest::Method::Get) {
                reply(responder, Status::MethodNotAllowed, "text/plain", "method not allowed: use GET\n",
                      {{"Allow", "GET"}});
                return;
            }
            if (path == QLatin1String("/healthz")) {
                const bool ok = m_healthy();
                reply(responder, ok ? Status::Ok : Status::ServiceUnavailable, "text/plain",
                      ok ? "ok\n" : "unavailable\n");
                return;
            }
            reply(responder, Status::Ok, "text/plain; version=0.0.4", m_metrics->render());
        },
        this);
}

quint16 AdminServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    return m_service->listenOn(address, port, error);
}

} // namespace duplex::http
