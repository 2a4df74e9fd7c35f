#pragma once

#include "client/channelclient.h"

#include <QHostAddress>
#include <QString>

namespace duplex::client {

class HttpConnection;
struct HttpResult;

// A Comet (HTTP long-polling) subscriber and publisher of one channel (CONTRACT.md, "Comet
// (long-polling)"). Polls forever with `since`, so a poll lost to a node going down is
// retried without losing or repeating events; publishes go over a second connection so a
// held poll never delays them. errorOccurred reports an error event in a poll (polling goes
// on) or a 4xx answer (the client then stops).
class CometClient final : public ChannelClient
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometClient)

public:
    struct Options : ChannelClient::Options
    {
        QString pathPrefix = QStringLiteral("/xhr");
        QHostAddress source;    // null: let the system choose
        int pollTimeoutMs = 60000;   // above the server's hold timeout (25 s)
        int requestTimeoutMs = 10000; // welcome and publish, which the server answers at once
    };

    explicit CometClient(Options options, QObject *parent = nullptr);
    ~CometClient() override;

    // Gets a clientId from a welcome unless the options have one, then polls until stop().
    void start() override;
    // Aborts the poll and every queued publish; nothing is emitted afterwards for them.
    void stop() override;
    // Publishes `data` as {"data":...}; answered by published or publishFailed in call order,
    // always from the event loop. Fails unless running with a known clientId.
    void publish(const QJsonValue &data) override;

    bool isRunning() const { return m_running; }
    const Options &options() const override { return m_options; }
    qint64 pollsCompleted() const { return m_pollsCompleted; }

protected:
    // The welcome again until one arrives, then the poll.
    void retry() override;

private:
    void requestWelcome();
    void poll();
    // GET subscribe on the poll connection (with clientId and since, or for the welcome); the
    // answer goes to `handler` unless this client is gone by then.
    void subscribe(bool withCursor, int timeoutMs, void (CometClient::*handler)(quint64, const HttpResult &));
    void handleWelcomeResult(quint64 generation, const HttpResult &result);
    void handlePollResult(quint64 generation, const HttpResult &result);
    void handlePublishResult(quint64 generation, const HttpResult &result);
    // Emits the events of one answer; false when a slot stopped or deleted this client.
    bool handleEvents(quint64 generation, const QList<protocol::Event> &events);
    // Decides on a failed welcome or poll: retry with backoff, or report and stop on 4xx.
    void handleFailure(quint64 generation, const HttpResult &result, const QString &reason);
    void failPublishLater(const QString &reason);
    bool isCurrent(quint64 generation) const { return m_running && generation == m_generation; }
    QByteArray target(const QString &endpoint, bool withCursor) const;

    Options m_options;
    HttpConnection *m_pollConnection;
    HttpConnection *m_publishConnection;
    bool m_running = false;
    quint64 m_generation = 0; // bumped by start/stop, so stale answers are recognised
    qint64 m_pollsCompleted = 0;
};

} // namespace duplex::client
