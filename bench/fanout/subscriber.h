#pragma once

#include <QObject>
#include <QUrl>

#include <vector>

class QWebSocket;

namespace duplex::bench {

struct Publication;

// One WebSocket subscriber of the bench: waits for its welcome, then checks every
// message of the publisher against the send times (latency) and against the messages
// it already has (loss, duplicates, order).
class Subscriber final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Subscriber)

public:
    Subscriber(const QUrl &url, const Publication *publication, QObject *parent = nullptr);
    ~Subscriber() override;

    void open();

    qint64 received() const { return m_received; }
    qint64 duplicates() const { return m_duplicates; }
    qint64 outOfOrder() const { return m_outOfOrder; }
    qint64 gaps() const { return m_gaps; }
    qint64 errors() const { return m_errors; }
    // Frames that were not a contract event, or messages the bench did not send.
    qint64 unexpected() const { return m_unexpected; }
    bool hasFailed() const { return !m_failure.isEmpty(); }
    qint64 lastReceiveNs() const { return m_lastReceiveNs; }
    // Publish-to-receive time of each distinct message, in microseconds.
    const std::vector<qint32> &latenciesUs() const { return m_latenciesUs; }

signals:
    void welcomed();
    // The publisher's join reached us: everything sequenced before it (the join storm of
    // the ramp) has been delivered, so the channel is quiet.
    void publisherJoined();
    // Every message of the publication has arrived.
    void complete();
    // The connection failed or closed; emitted once.
    void failed(const QString &reason);

private:
    void handleText(const QString &text);
    void handleMessage(const QString &from, const QString &data, qint64 nowNs);
    void fail(const QString &reason);

    QUrl m_url;
    const Publication *m_publication;
    QWebSocket *m_socket;
    std::vector<bool> m_seen; // by counter
    std::vector<qint32> m_latenciesUs;
    qint64 m_received = 0;
    qint64 m_highestCounter = -1;
    qint64 m_duplicates = 0;
    qint64 m_outOfOrder = 0;
    qint64 m_gaps = 0;
    qint64 m_errors = 0;
    qint64 m_unexpected = 0;
    qint64 m_lastReceiveNs = 0;
    QString m_failure;
};

} // namespace duplex::bench
