#include "client/httpconnection.h"

#include <QMetaObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace duplex::client {

HttpConnection::HttpConnection(QString host, quint16 port, QHostAddress source, QObject *parent)
    : QObject(parent)
    , m_host(std::move(host))
    , m_port(port)
    , m_source(std::move(source))
    , m_timer(new QTimer(this))
{
    // An IPv6 literal needs brackets in Host, or the port would read as part of it.
    const QByteArray hostName = m_host.toUtf8();
    m_hostHeader = (hostName.contains(':') ? '[' + hostName + ']' : hostName) + ':' + QByteArray::number(m_port);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &HttpConnection::handleTimeout);
}

void HttpConnection::getOnce(const QString &host, quint16 port, const QByteArray &target, int timeoutMs,
                             QObject *context, Callback done)
{
    auto *connection = new HttpConnection(host, port, QHostAddress(), context);
    connection->request("GET", target, {}, {}, timeoutMs, [connection, done = std::move(done)](const HttpResult &result) {
        done(result);
        connection->deleteLater();
    });
}

HttpConnection::~HttpConnection()
{
    // The socket is a child and would go later in ~QObject; it must not call back into a
    // half-destroyed object meanwhile.
    if (m_socket)
        m_socket->disconnect(this);
}

void HttpConnection::request(const QByteArray &method, const QByteArray &target, const QByteArray &body,
                             const QByteArray &contentType, int timeoutMs, Callback done, const Headers &headers)
{
    // A line break in a header would end it early and let the rest pose as more headers.
    for (const auto &header : headers) {
        if (header.first.isEmpty() || header.first.contains('\r') || header.first.contains('\n')
            || header.first.contains(':') || header.second.contains('\r') || header.second.contains('\n')) {
            deliverLater(std::move(done), HttpResult::failure(QStringLiteral("invalid request header %1")
                                                                  .arg(QString::fromLatin1(header.first))));
            return;
        }
    }
    m_queue.push_back({method, target, body, contentType, timeoutMs, std::move(done), headers});
    scheduleStart();
}

void HttpConnection::abort()
{
    m_timer->stop();
    dropSocket();
    m_inFlight = false;
    while (!m_queue.empty()) {
        deliverLater(std::move(m_queue.front().done), HttpResult::failure(QStringLiteral("aborted")));
        m_queue.pop_front();
    }
}

// Work starts from the event loop, never inside request(): connectToHost may report an
// error synchronously, and callbacks must not run within the caller's stack.
void HttpConnection::scheduleStart()
{
    if (m_startScheduled)
        return;
    m_startScheduled = true;
    QMetaObject::invokeMethod(this, [this] {
        m_startScheduled = false;
        startNext();
    }, Qt::QueuedConnection);
}

void HttpConnection::startNext()
{
    if (m_inFlight || m_queue.empty())
        return;
    m_inFlight = true;
    m_responseStarted = false;
    const Pending &next = m_queue.front();
    if (next.timeoutMs > 0)
        m_timer->start(next.timeoutMs);
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        sendCurrent();
    } else {
        dropSocket();
        openSocket();
    }
}

void HttpConnection::openSocket()
{
    m_parser.reset();
    m_socketReused = false;
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QTcpSocket::connected, this, &HttpConnection::handleConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::handleReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        handleSocketClosed(QStringLiteral("connection closed by the server"));
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        handleSocketClosed(error == QAbstractSocket::RemoteHostClosedError
                               ? QStringLiteral("connection closed by the server")
                               : m_socket->errorString());
    });
    if (!m_source.isNull() && !m_socket->bind(m_source, 0)) {
        const QString reason = QStringLiteral("cannot bind to %1: %2").arg(m_source.toString(), m_socket->errorString());
        finishCurrent(HttpResult::failure(reason), false);
        return;
    }
    ++m_connectionsOpened;
    m_socket->connectToHost(m_host, m_port);
}

void HttpConnection::sendCurrent()
{
    const Pending &current = m_queue.front();
    m_parser.reset();
    m_parser.setHeadRequest(current.method == "HEAD");
    QByteArray head = current.method + ' ' + current.target + " HTTP/1.1\r\nHost: " + m_hostHeader
        + "\r\nConnection: keep-alive\r\n";
    // A POST without a length would leave the server waiting for a body that never comes.
    const bool sendsBody = !current.body.isEmpty() || current.method == "POST" || current.method == "PUT"
        || current.method == "PATCH";
    if (sendsBody) {
        if (!current.contentType.isEmpty())
            head += "Content-Type: " + current.contentType + "\r\n";
        head += "Content-Length: " + QByteArray::number(current.body.size()) + "\r\n";
    }
    for (const auto &header : current.headers)
        head += header.first + ": " + header.second + "\r\n";
    head += "\r\n";
    // One write, so the request usually leaves in one segment.
    m_socket->write(sendsBody ? head + current.body : head);
}

void HttpConnection::handleConnected()
{
    m_localAddress = m_socket->localAddress();
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_inFlight)
        sendCurrent();
}

void HttpConnection::handleReadyRead()
{
    const QByteArray bytes = m_socket->readAll();
    if (!m_inFlight) {
        // Bytes nobody asked for (such as a 408 before an idle close) cannot belong to a
        // future request: start that one on a clean connection.
        dropSocket();
        return;
    }
    if (bytes.isEmpty())
        return;
    m_responseStarted = true;
    HttpResponseParser::Result result = m_parser.feed(bytes);
    // Interim 1xx answers precede the real one on the same request.
    while (result.status == HttpResponseParser::Result::Status::Complete && result.response.status < 200)
        result = m_parser.next();
    switch (result.status) {
    case HttpResponseParser::Result::Status::NeedMore:
        return;
    case HttpResponseParser::Result::Status::Error:
        finishCurrent(HttpResult::failure(QStringLiteral("bad response: %1").arg(result.error)), false);
        return;
    case HttpResponseParser::Result::Status::Complete: {
        // Bytes after the response were not asked for; the connection cannot be trusted.
        const bool keep = result.response.keepAlive() && m_parser.isIdle();
        finishCurrent({result.response.status, std::move(result.response.body), {}, result.response.headers}, keep);
        return;
    }
    }
}

void HttpConnection::handleSocketClosed(const QString &reason)
{
    if (!m_socket)
        return;
    // Whatever arrived with the close is still buffered in the socket.
    if (m_inFlight && m_socket->bytesAvailable() > 0) {
        handleReadyRead();
        if (!m_inFlight || !m_socket)
            return;
    }
    if (!m_inFlight) {
        // An idle kept-alive connection the server closed: the next request opens another.
        dropSocket();
        return;
    }
    const HttpResponseParser::Result result = m_parser.finish();
    if (result.status == HttpResponseParser::Result::Status::Complete) {
        finishCurrent({result.response.status, result.response.body, {}, result.response.headers}, false);
        return;
    }
    Pending &current = m_queue.front();
    if (result.status == HttpResponseParser::Result::Status::NeedMore && !m_responseStarted && m_socketReused
        && !current.retried) {
        // The keep-alive race: the server closed an idle connection while our request was
        // on its way. The request was not processed, so send it again once on a fresh one.
        current.retried = true;
        dropSocket();
        openSocket();
        return;
    }
    const QString error = result.status == HttpResponseParser::Result::Status::Error ? result.error : reason;
    finishCurrent(HttpResult::failure(error), false);
}

void HttpConnection::handleTimeout()
{
    if (!m_inFlight)
        return;
    const int timeoutMs = m_queue.front().timeoutMs;
    finishCurrent(HttpResult::failure(QStringLiteral("timed out after %1 ms").arg(timeoutMs)), false);
}

void HttpConnection::finishCurrent(HttpResult result, bool keepConnection)
{
    m_timer->stop();
    Callback done = std::move(m_queue.front().done);
    m_queue.pop_front();
    m_inFlight = false;
    if (keepConnection)
        m_socketReused = true;
    else
        dropSocket();
    deliverLater(std::move(done), std::move(result));
    scheduleStart();
}

void HttpConnection::dropSocket()
{
    m_parser.reset();
    if (!m_socket)
        return;
    m_socket->disconnect(this);
    m_socket->abort();
    // We may be inside one of the socket's own signals.
    m_socket->deleteLater();
    m_socket = nullptr;
}

void HttpConnection::deliverLater(Callback done, HttpResult result)
{
    m_completed.emplace_back(std::move(done), std::move(result));
    if (m_deliveryScheduled)
        return;
    m_deliveryScheduled = true;
    QMetaObject::invokeMethod(this, &HttpConnection::deliverCompleted, Qt::QueuedConnection);
}

// Runs callbacks outside every socket signal, so a callback may delete this connection.
void HttpConnection::deliverCompleted()
{
    m_deliveryScheduled = false;
    const QPointer<HttpConnection> self(this);
    while (!m_completed.empty()) {
        auto [done, result] = std::move(m_completed.front());
        m_completed.pop_front();
        if (done)
            done(result);
        if (!self)
            return;
    }
}

} // namespace duplex::client
