#pragma once

#include "runningstats.h"

#include <QObject>
#include <QString>

#include <vector>

namespace duplex::protocol {
struct Event;
}

namespace duplex::bench {

struct Publication;

// What every subscriber of duplex-bench-comet records, whatever its transport: for each
// message of the publisher its end-to-end latency (receive time minus the send time in
// the payload) and the time since the previous message it received (the thesis's figure),
// and whether the message was new, a repeat or late (loss, duplicates, order).
// Subclasses own the connection and feed events in.
class BenchSubscriber : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BenchSubscriber)

public:
    ~BenchSubscriber() override;

    virtual void open() = 0;
    // Completed polls; -1 for a transport that does not poll.
    virtual qint64 polls() const { return -1; }
    // Connections re-established after a failure (the transport's own retries).
    virtual qint64 reconnects() const { return 0; }
    // Repeated events the transport's client dropped by seq before we saw them; -1 when
    // the transport has no such layer.
    virtual qint64 redeliveriesDropped() const { return -1; }

    // Stops recording, so the report reads numbers that no longer move while the bench
    // takes its last readings; the connection stays open.
    void freeze() { m_frozen = true; }

    QString node() const { return m_node; } // from the welcome
    qint64 received() const { return m_received; }
    qint64 duplicates() const { return m_duplicates; }
    qint64 outOfOrder() const { return m_outOfOrder; }
    qint64 gaps() const { return m_gaps; }
    qint64 errors() const { return m_errors; }
    // Frames that were not a contract event, or messages the bench did not send.
    qint64 unexpected() const { return m_unexpected; }
    bool hasFailed() const { return !m_failure.isEmpty(); }
    bool isWelcomed() const { return m_welcomed; }
    // Why the last attempt to connect or poll failed (retried or not), for error messages.
    QString lastProblem() const { return m_lastProblem; }
    // Publish-to-receive time of each distinct message, in microseconds.
    const std::vector<qint32> &latenciesUs() const { return m_latenciesUs; }
    // Milliseconds between consecutive distinct messages, in arrival order.
    const RunningStats &interArrivalMs() const { return m_interArrivalMs; }

signals:
    void welcomed();
    // The publisher's join reached us: everything sequenced before it (the join storm of
    // the ramp) has been delivered, so the channel is quiet.
    void publisherJoined();
    // Every message of the publication has arrived.
    void complete();
    // The subscription ended for good (closed, refused); emitted once.
    void failed(const QString &reason);

protected:
    BenchSubscriber(const Publication *publication, QObject *parent);

    const Publication *publication() const { return m_publication; }
    void handleWelcome(const QString &node);
    // A sequenced event (message, join, leave) received at `nowNs` on the publication clock.
    void handleEvent(const protocol::Event &event, qint64 nowNs);
    void countGap();
    void countError();
    void countUnexpected();
    void noteProblem(const QString &reason) { m_lastProblem = reason; }
    void fail(const QString &reason);

private:
    void handleMessage(const protocol::Event &event, qint64 nowNs);

    const Publication *m_publication;
    bool m_frozen = false;
    bool m_welcomed = false;
    bool m_publisherJoined = false;
    QString m_node;
    std::vector<bool> m_seen; // by counter
    std::vector<qint32> m_latenciesUs;
    RunningStats m_interArrivalMs;
    qint64 m_lastReceiveNs = -1;
    qint64 m_received = 0;
    qint64 m_highestCounter = -1;
    qint64 m_duplicates = 0;
    qint64 m_outOfOrder = 0;
    qint64 m_gaps = 0;
    qint64 m_errors = 0;
    qint64 m_unexpected = 0;
    QString m_failure;
    QString m_lastProblem;
};

} // namespace duplex::bench
