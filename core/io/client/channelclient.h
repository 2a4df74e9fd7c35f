#pragma once

#include "protocol/event.h"

#include <QJsonValue>
#include <QObject>
#include <QString>

class QTimer;

namespace duplex::client {

// What Duplex's clients of one channel do alike whatever their wire (CONTRACT.md, "Channels
// and sequence numbers"): keep the place in the channel (the clientId, and the seq reached,
// sent back as `since` after any drop), drop the duplicates a resumed stream may repeat,
// follow gaps, back off between retries, and report all that in the same signals. The
// subclasses speak the wire and feed what arrives to acceptWelcome() and acceptEvent();
// resources/web/lib/transport.mjs is the browser's counterpart.
class ChannelClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChannelClient)

public:
    // What every client needs; each subclass extends it with what its wire needs.
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 8080;
        QString channel = QStringLiteral("main");
        QString clientId; // empty: get one from the welcome
        qint64 since = -1; // -1: from the welcome's seq (or, with a clientId, whatever the server holds)
        int retryMinMs = 100;
        int retryMaxMs = 5000;
        bool presence = true; // false: messages only, no join/leave (presence=0)
    };

    ~ChannelClient() override;

    // Subscribes, then stays subscribed (retrying with backoff) until stop().
    virtual void start() = 0;
    // Ends the subscription and every publish under way.
    virtual void stop() = 0;
    // Publishes `data`; answered by published(seq) or publishFailed, never inside the call.
    virtual void publish(const QJsonValue &data) = 0;

    virtual const Options &options() const = 0;
    QString clientId() const { return m_clientId; }
    // The seq of the last event received (or skipped by a gap); -1 before any.
    qint64 cursor() const { return m_cursor; }
    qint64 duplicatesDropped() const { return m_duplicatesDropped; }
    qint64 reconnects() const { return m_reconnects; }

signals:
    void welcomed(const duplex::protocol::Event &welcome);
    void eventReceived(const duplex::protocol::Event &event);
    void gapReceived(qint64 from, qint64 to);
    void published(qint64 seq);
    void publishFailed(const QString &reason);
    // The connection (or a request) failed and is retried after a backoff.
    void reconnecting(int attempt, const QString &reason);
    void errorOccurred(const QString &message);

protected:
    // What acceptEvent() made of one event.
    enum class Outcome { Delivered, Duplicate, Gap, Unsequenced };

    explicit ChannelClient(QObject *parent);

    // Called by the retry timer that scheduleRetry() started: tries again what failed.
    virtual void retry() = 0;

    // Takes the clientId and `since` of the options as the place reached, so the first
    // subscription resumes there.
    void adoptPlaceFromOptions();
    // Takes the welcome's clientId and, unless a place is known already, starts at `since`
    // or else at the welcome's seq; then emits welcomed (last, as the slots may delete us).
    void acceptWelcome(const protocol::Event &welcome);
    // Delivers a new sequenced event, drops a repeated one (seq <= cursor) or follows a gap,
    // emitting the signal last; welcome, ack and error events are Unsequenced and left to the
    // caller, as each wire reports them its own way.
    Outcome acceptEvent(const protocol::Event &event);
    // Counts a reconnect and runs retry() after the next backoff delay.
    void scheduleRetry(const QString &reason);
    void cancelRetry();
    // A success: the next failure starts the backoff from retryMinMs again.
    void resetBackoff() { m_attempt = 0; }

private:
    QTimer *m_retryTimer;
    QString m_clientId;
    qint64 m_cursor = -1;
    int m_attempt = 0;
    qint64 m_duplicatesDropped = 0;
    qint64 m_reconnects = 0;
};

} // namespace duplex::client
