#pragma once

#include "client/httpresponseparser.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>

class QTcpSocket;
class QTimer;

namespace duplex::client {

struct HttpResult
{
    int status = 0; // 0 = transport error (see `error`)
    QByteArray body;
    QString error;
    QList<QPair<QByteArray, QByteArray>> headers; // as received, for callers that check them

    static HttpResult failure(QString reason)
    {
        HttpResult r;
        r.error = std::move(reason);
        return r;
    }
};

// One keep-alive HTTP/1.1 client connection to host:port over QTcpSocket, optionally from
// a chosen source address (QNetworkAccessManager can neither bind one nor open more than
// six connections per host, and a load generator needs thousands of held polls).
//
// Requests go out one at a time in FIFO order (no pipelining). Every request is answered
// exactly once through its callback, always from the event loop (never from inside
// `request()` or `abort()`), unless the connection is destroyed first, which drops the
// callbacks of requests not yet answered. A callback may delete or abort the connection.
class HttpConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpConnection)

public:
    using Callback = std::function<void(const HttpResult &)>;

    HttpConnection(QString host, quint16 port, QHostAddress source = QHostAddress(),
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    using Headers = QList<QPair<QByteArray, QByteArray>>;

    // Queues one request; `timeoutMs` (<= 0: none) runs from when it is sent or connecting
    // starts, and expiring drops the connection. `body` is sent with a Content-Length, and
    // with `contentType` when that is not empty. `headers` (If-None-Match...) follow Host,
    // Connection and the body's headers as given; a malformed one (empty name, ':' in the
    // name, CR or LF anywhere) fails the request instead.
    void request(const QByteArray &method, const QByteArray &target, const QByteArray &body,
                 const QByteArray &contentType, int timeoutMs, Callback done,
                 const Headers &headers = {});
    // Fails every request not yet answered with status 0 "aborted" and closes the connection.
    void abort();

    // One GET on a connection of its own (health checks, /metrics), answered through `done`
    // exactly once, from the event loop; the connection goes after it. `context` going
    // away first cancels it, and `done` is not called.
    static void getOnce(const QString &host, quint16 port, const QByteArray &target, int timeoutMs,
                        QObject *context, Callback done);

    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    QHostAddress sourceAddress() const { return m_source; }
    // The local address of the last connection made (null before the first one).
    QHostAddress localAddress() const { return m_localAddress; }
    // Requests queued or in flight.
    int pendingRequests() const { return int(m_queue.size()); }
    // TCP connections opened so far, for tests and metrics of keep-alive reuse.
    int connectionsOpened() const { return m_connectionsOpened; }

private:
    struct Pending
    {
        QByteArray method;
        QByteArray target;
        QByteArray body;
        QByteArray contentType;
        int timeoutMs = 0;
        Callback done;
        Headers headers;
        bool retried = false; // already resent once after a keep-alive race
    };

    void scheduleStart();
    void startNext();
    void openSocket();
    void sendCurrent();
    void handleConnected();
    void handleReadyRead();
    void handleSocketClosed(const QString &reason);
    void handleTimeout();
    // Answers the request in flight, then moves on to the next one.
    void finishCurrent(HttpResult result, bool keepConnection);
    // Closes the socket without emitting anything to us; safe inside its own signals.
    void dropSocket();
    void deliverLater(Callback done, HttpResult result);
    void deliverCompleted();

    QString m_host;
    quint16 m_port;
    QHostAddress m_source;
    QByteArray m_hostHeader;

    std::deque<Pending> m_queue; // front is in flight when m_inFlight
    bool m_inFlight = false;
    bool m_startScheduled = false;
    std::deque<std::pair<Callback, HttpResult>> m_completed; // answered, callbacks not yet run
    bool m_deliveryScheduled = false;

    QTcpSocket *m_socket = nullptr; // child; replaced per TCP connection
    bool m_socketReused = false;    // the socket has answered a request before
    bool m_responseStarted = false; // a byte of the current response has arrived
    HttpResponseParser m_parser;
    QTimer *m_timer;
    QHostAddress m_localAddress;
    int m_connectionsOpened = 0;
};

} // namespace duplex::client
