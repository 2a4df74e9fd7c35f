#include "client/httpprobe.h"

#include <QTcpSocket>
#include <QTimer>

namespace duplex::control {

HttpProbe::HttpProbe(Callback done, QObject *parent)
    : QObject(parent)
    , m_done(std::move(done))
{
}

void HttpProbe::get(const QHostAddress &address, quint16 port, const QByteArray &path, int timeoutMs,
                    QObject *context, Callback done)
{
    auto *probe = new HttpProbe(std::move(done), context);
    auto *socket = new QTcpSocket(probe);
    QObject::connect(socket, &QTcpSocket::connected, probe, [socket, path] {
        socket->write("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    });
    // The answer ends at Content-Length when there is one (QHttpServer 6.4 keeps the
    // connection open even when asked to close), else when the server closes.
    auto parse = [probe, socket](bool closed) {
        const QByteArray response = socket->peek(socket->bytesAvailable());
        const int headerEnd = response.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
            if (closed)
                probe->finish(0, {});
            return;
        }
        const QByteArray head = response.left(headerEnd).toLower();
        const int lengthAt = head.indexOf("\r\ncontent-length:");
        const QByteArray body = response.mid(headerEnd + 4);
        if (lengthAt >= 0) {
            const int lineEnd = head.indexOf("\r\n", lengthAt + 2);
            const qint64 length = head.mid(lengthAt + 17, lineEnd < 0 ? -1 : lineEnd - lengthAt - 17).trimmed().toLongLong();
            if (body.size() < length && !closed)
                return;
        } else if (!closed) {
            return;
        }
        const QList<QByteArray> statusLine = response.left(response.indexOf("\r\n")).split(' ');
        probe->finish(statusLine.size() >= 2 ? statusLine.at(1).toInt() : 0, body);
    };
    QObject::connect(socket, &QTcpSocket::readyRead, probe, [parse] { parse(false); });
    QObject::connect(socket, &QTcpSocket::disconnected, probe, [parse] { parse(true); });
    QObject::connect(socket, &QTcpSocket::errorOccurred, probe, [probe](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError)
            probe->finish(0, {});
    });
    QTimer::singleShot(timeoutMs, probe, [probe] { probe->finish(0, {}); });
    socket->connectToHost(address, port);
}

void HttpProbe::finish(int status, const QByteArray &body)
{
    if (m_finished)
        return;
    m_finished = true;
    m_done(status, body);
    deleteLater();
}

} // namespace duplex::control
