#pragma once

#include "load/intermessageseries.h"
#include "load/latencyhistogram.h"
#include "load/loadreport.h"
#include "load/sequencetracker.h"
#include "loadgen/loadoptions.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>

#include <deque>
#include <memory>
#include <vector>

class QTimer;

namespace duplex::client {
class CometClient;
class WebSocketClient;
}
namespace duplex::protocol {
struct Event;
}

namespace duplex::loadgen {

// One load-generator run against a cluster: connects the subscribers of each transport
// at the ramp rate, then publishes timed messages at the configured rate, accounts for
// every receipt (latency, loss, duplicates, order, the thesis's inter-message time) and
// reports an interval line every `intervalMs` and a summary at the end.
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

signals:
    // A line for a human, about what the run is doing (connecting, publishing, ETA).
    void progressed(const QString &line);
    // The live counters of the run, once per interval (a terminal's progress line).
    void statusUpdated(const QString &line);
    // One JSON line per interval (load/loadreport.h, intervalJsonLine).
    void intervalReported(const QByteArray &jsonLine);
    // The run completed: the summary JSON line, the human table and the CSV rows.
    void finished(const QByteArray &summaryJson, const QString &table, const QByteArray &csv);
    // The run could not be done (cluster unreachable, clients not connecting).
    void failed(const QString &reason);

private:
    enum class Phase { Idle, Connecting, Publishing, Draining, Done };

    struct Subscriber
    {
        int transport = 0; // index into m_transports
        int index = 0;     // client number within its transport, for the thesis series
        std::unique_ptr<client::CometClient> comet;
        std::unique_ptr<client::WebSocketClient> ws;
        bool welcomed = false;
        QHash<int, load::SequenceTracker> trackers; // per publisher
    };

    struct Transport
    {
        QString name;
        int connected = 0;
        load::LatencyHistogram intervalLatency;
        load::LatencyHistogram totalLatency;
        load::InterMessageSeries series;
        qint64 intervalReceived = 0;
        qint64 received = 0;
        qint64 foreign = 0; // messages that were not this run's payloads
        qint64 errors = 0;
        qint64 reconnects = 0;
    };

    struct Publisher
    {
        std::unique_ptr<client::WebSocketClient> client;
        bool welcomed = false;
        qint64 sent = 0;
        qint64 acked = 0;
        std::deque<qint64> inFlight; // counters sent, not yet acked or failed, in order
        // Counters whose publish failed with its connection: maybe sequenced, maybe not,
        // so they are neither expected nor counted as delivered.
        QSet<qint64> failed;
    };

    void connectNext();
    void handleWelcomed(Subscriber *subscriber);
    void handleEvent(Subscriber *subscriber, const protocol::Event &event);
    void startPublishers();
    void publishTick();
    void finishPublishing();
    void checkDrained();
    void reportInterval();
    void finish();
    void fail(const QString &reason);
    qint64 expectedPerSubscriber() const;
    qint64 totalToSend() const;

    LoadOptions m_options;
    Phase m_phase = Phase::Idle;
    std::vector<Transport> m_transports;
    std::vector<std::unique_ptr<Subscriber>> m_subscribers;
    std::vector<Publisher> m_publishers;
    size_t m_nextToConnect = 0;
    int m_welcomed = 0;
    QTimer *m_rampTimer;
    QTimer *m_publishTimer;
    QTimer *m_intervalTimer;
    QTimer *m_deadlineTimer;
    QElapsedTimer m_clock;      // since start()
    QElapsedTimer m_publishClock; // since the first publish
    qint64 m_publishEndedMs = 0;
    qint64 m_cpuAtStartUs = 0;
    int m_nextPublisher = 0;
};

} // namespace duplex::loadgen
