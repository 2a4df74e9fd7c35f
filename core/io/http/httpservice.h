#pragma once

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <QHttpServerResponder>

#include <functional>

class QTcpSocket;

namespace duplex::http {

// An HTTP/1.1 server that hands every request to one function, with a listen backlog
// large enough for connection bursts (QHttpServer::listen() uses 50).
class HttpService final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpService)

public:
    using Handler = std::function<void(const QHttpServerRequest &, QTcpSocket *)>;

    explicit HttpService(Handler handler, QObject *parent = nullptr);

    // Listens on address:port (0 = ephemeral); returns the bound port, or 0 with *error set.
    quint16 listenOn(const QHostAddress &address, quint16 port, QString *error);

    // A responder for a request the handler received.
    static QHttpServerResponder responderFor(const QHttpServerRequest &request, QTcpSocket *socket);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    Handler m_handler;
};

// Writes a complete response with a body and a Content-Type.
void reply(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status,
           const QByteArray &contentType, const QByteArray &body,
           const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});

} // namespace duplex::http
