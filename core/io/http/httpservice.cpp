#include "http/httpservice.h"

#include <QTcpServer>

namespace duplex::http {

namespace {
constexpr int kListenBacklog = 1024;
}

HttpService::HttpService(Handler handler, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_handler(std::move(handler))
{
}

quint16 HttpService::listenOn(const QHostAddress &address, quint16 port, QString *error)
{
    auto *tcp = new QTcpServer(this);
    tcp->setListenBacklogSize(kListenBacklog);
    if (!tcp->listen(address, port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(tcp->errorString());
        delete tcp; // never bound: no one else holds it
        return 0;
    }
    bind(tcp);
    return tcp->serverPort();
}

QHttpServerResponder HttpService::responderFor(const QHttpServerRequest &request, QTcpSocket *socket)
{
    return makeResponder(request, socket);
}

bool HttpService::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    m_handler(request, socket);
    return true;
}

void HttpService::missingHandler(const QHttpServerRequest &, QTcpSocket *)
{
    // handleRequest() answers every request, so nothing is ever missing.
}

void reply(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status,
           const QByteArray &contentType, const QByteArray &body,
           const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    responder.writeStatusLine(status);
    responder.writeHeader("Content-Type", contentType);
    responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    for (const auto &header : extraHeaders)
        responder.writeHeader(header.first, header.second);
    responder.writeBody(body);
}

} // namespace duplex::http
