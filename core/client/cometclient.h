#pragma once

#include "protocol/event.h"

#include <QHostAddress>
#include <QJsonValue>
#include <QObject>
#include <QString>

class QTimer;

namespace duplex::client {

class HttpConnection;
struct HttpResult;

// A Comet (HTTP long-polling) subscriber and publisher of one channel (CONTRACT.md, "Comet
// (long-polling)"). Polls forever with `since`, so a poll lost to a node going down is
// retried without losing or repeating events; publishes go over a second connection so a
// held poll never delays them.
class CometClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometClient)

public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 8080;
        QString pathPrefix = QStringLiteral("/xhr");
        QString channel = QStringLiteral("main");
        QHostAddress source;    // null: let the system choose
        QString clientId;       // empty: get one from welcome
        qint64 since = -1;      // -1: from welcome.seq (or, with a clientId, whatever the server holds)
        int pollTimeoutMs = 60000;   // above the server's hold timeout (25 s)
        int requestTimeoutMs = 10000; // welcome and publish, which the server answers at once
        int retryMinMs = 100;
        int retryMaxMs = 5000;
        bool presence = true;   // false: polls ask for messages only (presence=0)
    };

    explicit CometClient(Options options, QObject *parent = nullptr);
    ~CometClient() override;

    // Gets a clientId from a welcome unless the options have one, then polls until stop().
    void start();
    // Aborts the poll and every queued publish; nothing is emitted afterwards for them.
    void stop();
    // Publishes `data` as {"data":...}; answered by published or publishFailed in call order,
    // always from the event loop. Fails unless running with a known clientId.
    void publish(const QJsonValue &data);

    bool isRunning() const { return m_running; }
    const Options &options() const { return m_options; }
    QString clientId() const { return m_clientId; }
    // The seq of the last event received (or skipped by a gap); -1 before any.
    qint64 cursor() const { return m_cursor; }
    qint64 pollsCompleted() const { return m_pollsCompleted; }
    qint64 duplicatesDropped() const { return m_duplicatesDropped; }
    qint64 reconnects() const { return m_reconnects; }

signals:
    void welcomed(const duplex::protocol::Event &welcome);
    void eventReceived(const duplex::protocol::Event &event);
    void gapReceived(qint64 from, qint64 to);
    void published(qint64 seq);
    void publishFailed(const QString &reason);
    // A poll (or the welcome request) failed and is retried after a backoff.
    void reconnecting(int attempt, const QString &reason);
    // An error event in a poll (polling goes on), or a 4xx answer (the client then stops).
    void errorOccurred(const QString &message);

private:
    void requestWelcome();
    void poll();
    void handleWelcomeResult(quint64 generation, const HttpResult &result);
    void handlePollResult(quint64 generation, const HttpResult &result);
    void handlePublishResult(quint64 generation, const HttpResult &result);
    // Emits the events of one answer; false when a slot stopped or deleted this client.
    bool handleEvents(quint64 generation, const QList<protocol::Event> &events);
    // Decides on a failed welcome or poll: retry with backoff, or report and stop on 4xx.
    void handleFailure(quint64 generation, const HttpResult &result, const QString &reason,
                       void (CometClient::*retry)());
    void failPublishLater(const QString &reason);
    bool isCurrent(quint64 generation) const { return m_running && generation == m_generation; }
    QByteArray target(const QString &endpoint, bool withCursor) const;

    Options m_options;
    HttpConnection *m_pollConnection;
    HttpConnection *m_publishConnection;
    QTimer *m_retryTimer;
    void (CometClient::*m_retryAction)() = nullptr; // what m_retryTimer runs: welcome or poll
    bool m_running = false;
    quint64 m_generation = 0; // bumped by start/stop, so stale answers are recognised
    QString m_clientId;
    qint64 m_cursor = -1;
    int m_attempt = 0;
    qint64 m_pollsCompleted = 0;
    qint64 m_duplicatesDropped = 0;
    qint64 m_reconnects = 0;
};

} // namespace duplex::client
