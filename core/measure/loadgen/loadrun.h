#pragma once

#include "load/transportreport.h"
#include "loadgen/loadoptions.h"
#include "loadgen/publishertally.h"
#include "loadgen/subscriberpool.h"

#include <QElapsedTimer>
#include <QObject>

#include <deque>
#include <memory>
#include <vector>

class QTimer;

namespace duplex::client {
class WebSocketClient;
}
namespace duplex::peer {
class NchanPublisher;
}

namespace duplex::loadgen {

class WorkerGroup;

// One load-generator run against a cluster: connects the subscribers of each transport
// at the ramp rate, then publishes timed messages at the configured rate, accounts for
// every receipt (latency, loss, duplicates, order, the thesis's inter-message time) and
// reports an interval line every `intervalMs` and a summary at the end.
//
// The subscribers live in this process (a SubscriberPool) or, with --procs K > 1, in K
// worker processes (a WorkerGroup) whose reports are merged; either way this process
// publishes, with one clock for the send times and one counter per publisher, and the
// output is the same.
class LoadRun final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadRun)

public:
    explicit LoadRun(LoadOptions options, QObject *parent = nullptr);
    ~LoadRun() override;

    void start();
    // Ends the run early (Ctrl-C): stops publishing and reports what was measured.
    void stop();

    // What finished() reported, as figures (throughput and CPU filled in), for callers
    // that tabulate the run themselves (the benches); empty before finished().
    const SubscriberResult &result() const { return m_result; }

signals:
    // A line for a human, about what the run is doing (connecting, publishing, ETA).
    void progressed(const QString &line);
    // Every subscriber is connected and the first message is about to go out: where a
    // caller measuring the servers takes its "loaded" reading.
    void publishingStarted();
    // The live counters of the run, once per interval (a terminal's progress line).
    void statusUpdated(const QString &line);
    // One JSON line per interval (load/intervaljson.h, intervalJsonLine).
    void intervalReported(const QByteArray &jsonLine);
    // The run completed: the summary JSON line, the human table and the CSV rows.
    void finished(const QByteArray &summaryJson, const QString &table, const QByteArray &csv);
    // The run could not be done (cluster unreachable, clients not connecting, a worker
    // process lost).
    void failed(const QString &reason);

private:
    enum class Phase { Idle, Connecting, Publishing, Draining, Finishing, Done };

    struct Publisher
    {
        // Exactly one is set, after LoadOptions::protocol.
        std::unique_ptr<client::WebSocketClient> client;
        std::unique_ptr<peer::NchanPublisher> nchan;
        bool welcomed = false;
        qint64 acked = 0;
        std::deque<qint64> inFlight; // counters sent, not yet acked or failed, in order
        PublisherTally tally;
    };

    void startPublishers();
    // Wires `publisher` over Duplex's WebSocket, or as an nchan POST publisher.
    void startDuplexPublisher(Publisher *publisher);
    void startNchanPublisher(Publisher *publisher);
    // Counts `publisher` as ready; publishing begins once every publisher is.
    void handlePublisherWelcomed(Publisher *publisher);
    void handlePublished(Publisher *publisher);
    void handlePublishFailed(Publisher *publisher);
    void publishTick();
    void finishPublishing();
    void checkDrained();
    void reportInterval();
    void emitInterval(qint64 elapsedMs, const QList<load::TransportInterval> &transports);
    void finish();
    // Turns what the subscribers measured into the summary line, table and CSV.
    void complete(const SubscriberResult &result);
    void fail(const QString &reason);
    void stopPublishers();
    int subscriberCount() const;
    int welcomed() const;
    std::vector<PublisherTally> tallies() const;
    qint64 totalToSend() const;

    LoadOptions m_options;
    Phase m_phase = Phase::Idle;
    SubscriberPool *m_pool = nullptr;   // the subscribers, in this process
    WorkerGroup *m_workers = nullptr;   // or in worker processes
    std::vector<Publisher> m_publishers;
    QTimer *m_publishTimer;
    QTimer *m_intervalTimer;
    QTimer *m_deadlineTimer;
    QElapsedTimer m_clock;      // since start()
    QElapsedTimer m_publishClock; // since the first publish
    qint64 m_publishEndedMs = 0;
    qint64 m_cpuAtStartUs = 0;
    int m_nextPublisher = 0;
    bool m_drainRequested = false;
    SubscriberResult m_result;
};

} // namespace duplex::loadgen
