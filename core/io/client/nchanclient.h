#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QString>

class QTimer;
class QWebSocket;

namespace duplex::client {

class HttpConnection;
struct HttpResult;

// A subscriber of one nchan channel (the benchmark's yardstick, core/peer/nchanconfig.h),
// over nchan's WebSocket or long-poll subscriber, with the signals of Duplex's clients
// where they make sense.
//
// Position. nchan names every message "time:tag" and delivers the messages after a named
// one. Before subscribing, the client asks the publisher location for the channel's info
// (GET, no message) and starts after its newest message, or at the oldest one when the
// channel does not exist yet (so it starts empty). welcomed() follows that answer (and, for
// a WebSocket, the handshake): every message published after it is delivered, however long
// the subscribing request takes to reach nchan. (A subscriber that names no message waits
// for the next one, but nchan acknowledges a held poll in no way, so nothing would tell when
// the waiting began.)
//
// Long-poll: one GET per message on one keep-alive connection (optionally from a chosen
// source address), each with the previous answer's Last-Modified and Etag as
// If-Modified-Since and If-None-Match, so retries after failures neither lose nor repeat a
// message the channel still buffers. WebSocket: with `resumeWebSocket`, the ws+meta.nchan
// subprotocol gives each message's id, and a reconnect resumes after the last one;
// without it frames are the bare messages and a reconnect starts afresh (welcomed again).
class NchanClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NchanClient)

public:
    enum class Transport { WebSocket, LongPoll };

    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 8080;
        QString channel = QStringLiteral("main");
        Transport transport = Transport::WebSocket;
        QString subscribePath = QStringLiteral("/sub");
        QString infoPath = QStringLiteral("/pub"); // nchan's publisher location, asked with GET
        QHostAddress source;          // long-poll only (QWebSocket cannot bind); null: any
        bool resumeWebSocket = true;  // ws+meta.nchan: message ids, lossless reconnects
        int requestTimeoutMs = 10000; // the channel-info request and the WebSocket handshake
        int pollTimeoutMs = 0;        // a held poll; <= 0: none (nchan holds it for ever)
        int retryMinMs = 100;
        int retryMaxMs = 5000;
    };

    explicit NchanClient(Options options, QObject *parent = nullptr);
    ~NchanClient() override;

    // Subscribes, then stays subscribed (retrying with backoff) until stop(). A start after
    // a stop resumes after the last message received, when the position is known.
    void start();
    // Closes the subscription; nothing is emitted afterwards.
    void stop();

    bool isRunning() const { return m_running; }
    const Options &options() const { return m_options; }
    // True while a WebSocket is open, or while long-polling after the welcome.
    bool isSubscribed() const { return m_subscribed; }
    qint64 messagesReceived() const { return m_messagesReceived; }
    // Long-poll answers that carried a message.
    qint64 pollsCompleted() const { return m_pollsCompleted; }
    qint64 reconnects() const { return m_reconnects; }
    // The local address of the long-poll connection (null before it connected).
    QHostAddress localAddress() const;

signals:
    // Subscribed (see the class comment): once per start() for long-poll, at every opened
    // WebSocket for WebSocket.
    void welcomed();
    // One message, its body as nchan stores it (UTF-8).
    void messageReceived(const QString &text);
    // The channel-info request, a poll or the WebSocket failed; retried after a backoff.
    void reconnecting(int attempt, const QString &reason);
    // Something retrying cannot mend (a 4xx answer, a message without its id); the client
    // stops.
    void errorOccurred(const QString &message);

private:
    void requestInfo();
    void poll();
    void openWebSocket();
    void handleInfoResult(quint64 generation, const HttpResult &result);
    void handlePollResult(quint64 generation, const HttpResult &result);
    void handleFrame(const QString &frame);
    void handleWebSocketConnected();
    void handleWebSocketClosed();
    // Subscribes from the position now known: the first poll, or the WebSocket.
    void subscribe();
    void retryLater(const QString &reason);
    void fail(const QString &message);
    void closeWebSocket();
    bool isCurrent(quint64 generation) const { return m_running && generation == m_generation; }

    Options m_options;
    HttpConnection *m_http;
    QWebSocket *m_socket = nullptr;
    QTimer *m_retryTimer;
    QTimer *m_handshakeTimer;
    bool m_running = false;
    bool m_subscribed = false;
    quint64 m_generation = 0; // bumped by start/stop, so stale answers are recognised
    // The position: what to send so that nchan answers with the next message. Before the
    // first message: the compound id "time:tag" alone in If-None-Match (nchan reads it so
    // when If-Modified-Since is absent); afterwards, the previous answer's headers.
    bool m_havePosition = false;
    QByteArray m_ifModifiedSince;
    QByteArray m_ifNoneMatch;
    QString m_lastMessageId;  // WebSocket: "time:tag" of the last message
    bool m_welcomedThisStart = false;
    int m_attempt = 0;
    qint64 m_messagesReceived = 0;
    qint64 m_pollsCompleted = 0;
    qint64 m_reconnects = 0;
};

} // namespace duplex::client
