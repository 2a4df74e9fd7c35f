#include "http/parkedresponder.h"

namespace duplex::http {

ParkedResponder::ParkedResponder(QHttpServerResponder &&responder, QTcpSocket *socket, QObject *context,
                                 std::function<void()> gone)
    : m_responder(std::move(responder))
    , m_socket(socket)
{
    // Queued: the owner erases this object from `gone`, which must not happen while Qt is
    // still inside the socket's signal emission for the same disconnect.
    m_goneConnection = QObject::connect(socket, &QTcpSocket::disconnected, context, std::move(gone),
                                        Qt::QueuedConnection);
}

ParkedResponder::~ParkedResponder()
{
    // The socket outlives this object when the connection is kept alive for the next
    // request; its disconnect must not reach an owner that forgot this responder.
    QObject::disconnect(m_goneConnection);
}

bool ParkedResponder::isAlive() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

QHttpServerResponder *ParkedResponder::responder()
{
    return isAlive() ? &m_responder : nullptr;
}

} // namespace duplex::http
