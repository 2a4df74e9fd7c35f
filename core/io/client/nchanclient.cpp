#include "client/nchanclient.h"

#include "client/backoff.h"
#include "client/httpconnection.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

namespace duplex::client {

namespace {

// nchan's subprotocol that prefixes every WebSocket message with "id: time:tag\n",
// optionally "content-type: ...\n", then an empty line.
const QString kMetaSubprotocol = QStringLiteral("ws+meta.nchan");

// Where an unknown channel starts: nchan reads time 0 as "the oldest message buffered".
const QByteArray kOldestMessageId = "0:0";

QByteArray headerOf(const HttpResult &result, const QByteArray &name)
{
    for (const auto &header : result.headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return header.second;
    }
    return {};
}

// 4xx means the request itself is wrong and retrying cannot help; 408 and 429 clear with
// time, 409 is nchan's answer to a subscriber concurrency conflict, and 410 is how nchan
// lets its held polls go when it shuts down (or the channel is deleted): come back as after
// a dropped connection, from the same position.
bool isPermanentFailure(int status)
{
    return status >= 400 && status < 500 && status != 408 && status != 409 && status != 410 && status != 429;
}

QString describe(const HttpResult &result)
{
    if (result.status == 0)
        return result.error;
    const QByteArray body = result.body.left(200).trimmed();
    return body.isEmpty() ? QStringLiteral("HTTP %1").arg(result.status)
                          : QStringLiteral("HTTP %1: %2").arg(result.status).arg(QString::fromUtf8(body));
}

} // namespace

NchanClient::NchanClient(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_http(new HttpConnection(m_options.host, m_options.port,
                                m_options.transport == Transport::LongPoll ? m_options.source : QHostAddress(), this))
    , m_retryTimer(new QTimer(this))
    , m_handshakeTimer(new QTimer(this))
{
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, [this] {
        if (!m_running)
            return;
        if (!m_havePosition)
            requestInfo();
        else
            subscribe();
    });
    m_handshakeTimer->setSingleShot(true);
    connect(m_handshakeTimer, &QTimer::timeout, this, [this] {
        if (m_socket)
            m_socket->abort(); // disconnected follows, which retries
    });
}

NchanClient::~NchanClient()
{
    // The socket is a child and would go later in ~QObject; it must not call back into a
    // half-destroyed object meanwhile.
    if (m_socket)
        m_socket->disconnect(this);
}

QHostAddress NchanClient::localAddress() const
{
    return m_http->localAddress();
}

void NchanClient::start()
{
    if (m_running)
        return;
    m_running = true;
    ++m_generation;
    m_attempt = 0;
    m_welcomedThisStart = false;
    if (m_havePosition) {
        // A restart resumes after the last message received: no channel info is needed.
        // Queued, so welcomed() is never emitted inside start().
        const quint64 generation = m_generation;
        QMetaObject::invokeMethod(this, [this, generation] {
            if (isCurrent(generation))
                subscribe();
        }, Qt::QueuedConnection);
        return;
    }
    requestInfo();
}

void NchanClient::stop()
{
    if (!m_running)
        return;
    m_running = false;
    m_subscribed = false;
    ++m_generation;
    // Bare WebSocket frames carry no ids: a later start can only begin afresh.
    if (m_options.transport == Transport::WebSocket && !m_options.resumeWebSocket)
        m_havePosition = false;
    m_retryTimer->stop();
    m_handshakeTimer->stop();
    // Its "aborted" answers arrive later and are ignored by generation.
    m_http->abort();
    closeWebSocket();
}

void NchanClient::requestInfo()
{
    const quint64 generation = m_generation;
    const QPointer<NchanClient> self(this);
    const QByteArray target = m_options.infoPath.toUtf8() + "?channel=" + QUrl::toPercentEncoding(m_options.channel);
    m_http->request("GET", target, {}, {}, m_options.requestTimeoutMs,
                    [self, generation](const HttpResult &result) {
                        if (self)
                            self->handleInfoResult(generation, result);
                    },
                    {{"Accept", "text/json"}});
}

void NchanClient::handleInfoResult(quint64 generation, const HttpResult &result)
{
    if (!isCurrent(generation))
        return;
    QByteArray id;
    if (result.status == 200) {
        // {"messages": 3, "requested": 9, "subscribers": 0, "last_message_id": "1795350994:0" }
        const QJsonObject info = QJsonDocument::fromJson(result.body).object();
        id = info.value(QStringLiteral("last_message_id")).toString().toLatin1();
        if (!id.contains(':')) {
            fail(QStringLiteral("unparsable channel info: %1").arg(QString::fromUtf8(result.body.left(200))));
            return;
        }
    } else if (result.status == 404) {
        // No such channel yet: everything it will ever hold is published after this answer.
        id = kOldestMessageId;
    } else if (isPermanentFailure(result.status)) {
        fail(QStringLiteral("channel info: %1").arg(describe(result)));
        return;
    } else {
        retryLater(QStringLiteral("channel info: %1").arg(describe(result)));
        return;
    }
    m_havePosition = true;
    m_ifModifiedSince.clear();
    m_ifNoneMatch = id;
    m_lastMessageId = QString::fromLatin1(id);
    if (m_options.transport == Transport::WebSocket) {
        // The WebSocket is a connection of its own; an idle HTTP one would only hold a
        // descriptor in nginx until its keep-alive timeout.
        m_http->abort();
    }
    subscribe();
}

void NchanClient::subscribe()
{
    if (m_options.transport == Transport::WebSocket) {
        openWebSocket();
        return;
    }
    if (!m_welcomedThisStart) {
        m_welcomedThisStart = true;
        m_attempt = 0;
        m_subscribed = true;
        const quint64 generation = m_generation;
        const QPointer<NchanClient> self(this);
        emit welcomed();
        if (!self || !isCurrent(generation))
            return;
    }
    poll();
}

void NchanClient::poll()
{
    HttpConnection::Headers headers;
    if (!m_ifModifiedSince.isEmpty())
        headers.append({"If-Modified-Since", m_ifModifiedSince});
    if (!m_ifNoneMatch.isEmpty())
        headers.append({"If-None-Match", m_ifNoneMatch});
    const QByteArray target = m_options.subscribePath.toUtf8() + "?channel=" + QUrl::toPercentEncoding(m_options.channel);
    const quint64 generation = m_generation;
    const QPointer<NchanClient> self(this);
    m_http->request("GET", target, {}, {}, m_options.pollTimeoutMs,
                    [self, generation](const HttpResult &result) {
                        if (self)
                            self->handlePollResult(generation, result);
                    },
                    headers);
}

void NchanClient::handlePollResult(quint64 generation, const HttpResult &result)
{
    if (!isCurrent(generation))
        return;
    if (result.status == 304 || result.status == 408) {
        // Nothing yet (an interval poll, or nchan_subscriber_timeout): ask again as before.
        poll();
        return;
    }
    if (result.status != 200) {
        if (isPermanentFailure(result.status))
            fail(QStringLiteral("poll: %1").arg(describe(result)));
        else
            retryLater(QStringLiteral("poll: %1").arg(describe(result)));
        return;
    }
    const QByteArray lastModified = headerOf(result, "Last-Modified");
    const QByteArray etag = headerOf(result, "Etag");
    if (lastModified.isEmpty() || etag.isEmpty()) {
        // Without them the next poll would answer this message again, for ever.
        fail(QStringLiteral("poll answer without Last-Modified and Etag: nchan cannot name the next message"));
        return;
    }
    m_ifModifiedSince = lastModified;
    m_ifNoneMatch = etag;
    m_attempt = 0;
    ++m_pollsCompleted;
    ++m_messagesReceived;
    const QPointer<NchanClient> self(this);
    emit messageReceived(QString::fromUtf8(result.body));
    if (!self || !isCurrent(generation))
        return;
    poll();
}

void NchanClient::openWebSocket()
{
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(m_options.host);
    url.setPort(m_options.port);
    url.setPath(m_options.subscribePath);
    // Encoded here, as for the HTTP requests, so every client names the channel alike. nchan
    // reads the start position from last_event_id when no If-* header names one.
    url.setQuery(QStringLiteral("channel=%1&last_event_id=%2")
                     .arg(QString::fromLatin1(QUrl::toPercentEncoding(m_options.channel)),
                          QString::fromLatin1(QUrl::toPercentEncoding(m_lastMessageId, ":"))));

    closeWebSocket();
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_socket, &QWebSocket::connected, this, &NchanClient::handleWebSocketConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &NchanClient::handleWebSocketClosed);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &NchanClient::handleFrame);
    // nchan sends a binary frame for a message published as application/octet-stream.
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &frame) {
        handleFrame(QString::fromUtf8(frame));
    });
    QWebSocketHandshakeOptions handshake;
    if (m_options.resumeWebSocket)
        handshake.setSubprotocols({kMetaSubprotocol});
    m_handshakeTimer->start(m_options.requestTimeoutMs);
    m_socket->open(url, handshake);
}

void NchanClient::handleWebSocketConnected()
{
    m_handshakeTimer->stop();
    if (m_options.resumeWebSocket && m_socket->subprotocol() != kMetaSubprotocol) {
        fail(QStringLiteral("nchan did not accept the %1 subprotocol").arg(kMetaSubprotocol));
        return;
    }
    m_attempt = 0;
    m_subscribed = true;
    emit welcomed();
}

void NchanClient::handleFrame(const QString &frame)
{
    QString text = frame;
    if (m_options.resumeWebSocket) {
        // "id: 1795350991:0\n[content-type: text/plain\n]\n<message>"
        const int end = frame.indexOf(QLatin1String("\n\n"));
        QString id;
        if (end >= 0) {
            const QStringList lines = frame.left(end).split(QLatin1Char('\n'));
            for (const QString &line : lines) {
                if (line.startsWith(QLatin1String("id: ")))
                    id = line.mid(4).trimmed();
            }
        }
        if (id.isEmpty()) {
            fail(QStringLiteral("WebSocket message without its id: %1").arg(frame.left(100)));
            return;
        }
        m_lastMessageId = id;
        text = frame.mid(end + 2);
    }
    ++m_messagesReceived;
    emit messageReceived(text);
}

void NchanClient::handleWebSocketClosed()
{
    if (!m_socket)
        return;
    const QString reason = m_socket->closeReason().isEmpty()
        ? m_socket->errorString()
        : QStringLiteral("closed %1: %2").arg(int(m_socket->closeCode())).arg(m_socket->closeReason());
    closeWebSocket();
    m_subscribed = false;
    m_handshakeTimer->stop();
    if (!m_running)
        return;
    // Without message ids the position is lost with the connection: ask for it again.
    if (!m_options.resumeWebSocket)
        m_havePosition = false;
    retryLater(reason);
}

void NchanClient::retryLater(const QString &reason)
{
    ++m_attempt;
    ++m_reconnects;
    m_retryTimer->start(backoffDelayMs(m_attempt, m_options.retryMinMs, m_options.retryMaxMs));
    emit reconnecting(m_attempt, reason);
}

void NchanClient::fail(const QString &message)
{
    const QPointer<NchanClient> self(this);
    const quint64 generation = m_generation;
    emit errorOccurred(message);
    if (self && isCurrent(generation))
        stop();
}

void NchanClient::closeWebSocket()
{
    if (!m_socket)
        return;
    QWebSocket *socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    socket->abort();
    // We may be inside one of its signals.
    socket->deleteLater();
}

} // namespace duplex::client
