#pragma once

#include "peer/nchanconfig.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QString>

namespace duplex::client {
class HttpConnection;
struct HttpResult;
}

namespace duplex::peer {

// Publishes messages to one nchan channel: each publish() is one POST to the publisher
// location over a keep-alive connection of its own, so a subscriber's held poll never
// delays it. nchan stores the body as the message, unchanged.
class NchanPublisher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NchanPublisher)

public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 8080;
        QString path = QString::fromLatin1(kNchanPublishPath);
        QString channel = QString::fromLatin1(kNchanDefaultChannel);
        QHostAddress source;   // null: let the system choose
        // Kept with the message: long-poll subscribers get it as their Content-Type, and
        // WebSocket subscribers get text frames for anything but application/octet-stream.
        // Empty: none, which keeps nchan's per-message headers smallest.
        QByteArray contentType;
        int requestTimeoutMs = 10000;
    };

    explicit NchanPublisher(Options options, QObject *parent = nullptr);
    ~NchanPublisher() override;

    // Sends `text` (as UTF-8) as one message. Every publish is answered exactly once, by
    // published or publishFailed, in call order and always from the event loop; a publish
    // is never resent (it may have been stored already).
    void publish(const QString &text);
    // Fails every publish not yet answered ("aborted") and closes the connection.
    void abort();

    const Options &options() const { return m_options; }
    // Publishes sent or queued, not yet answered.
    int pendingPublishes() const;

signals:
    // nchan stored the message (201: the channel had subscribers, 202: it had none).
    void published();
    void publishFailed(const QString &reason);

private:
    void handleResult(const client::HttpResult &result);

    Options m_options;
    QByteArray m_target;
    client::HttpConnection *m_connection;
};

} // namespace duplex::peer
