#pragma once

#include <QHttpServerResponder>
#include <QMetaObject>
#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <memory>

namespace duplex::http {

// A responder kept past its handler (a held poll, a publish waiting for its seq).
//
// In Qt 6.4 a responder holds a raw pointer to its socket, and QAbstractHttpServer deletes
// the socket when the client goes away: writing afterwards crashes. So the socket is
// watched through a QPointer, `gone` runs as soon as it disconnects (the owner then drops
// this object), and writes happen only while the socket is alive and connected.
class ParkedResponder final
{
    Q_DISABLE_COPY_MOVE(ParkedResponder)

public:
    // `gone` runs (at most once, from the event loop) when the client disconnects first.
    ParkedResponder(QHttpServerResponder &&responder, QTcpSocket *socket, QObject *context,
                    std::function<void()> gone);
    ~ParkedResponder();

    bool isAlive() const;
    // The responder, or nullptr when the client is gone; after a write the caller drops
    // this object.
    QHttpServerResponder *responder();
    // The client's socket, null once it is deleted.
    QTcpSocket *socket() const { return m_socket; }

private:
    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    QMetaObject::Connection m_goneConnection;
};

} // namespace duplex::http
