#pragma once

#include "load/intermessageseries.h"
#include "load/latencyhistogram.h"
#include "load/transportreport.h"
#include "load/sequencetracker.h"
#include "loadgen/loadoptions.h"
#include "loadgen/publishertally.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QMap>
#include <QObject>

#include <memory>
#include <variant>
#include <vector>

class QTimer;

namespace duplex::client {
class CometClient;
class NchanClient;
class WebSocketClient;
}
namespace duplex::protocol {
struct Event;
}

namespace duplex::loadgen {

// What a pool (or several merged) measured over the run, per transport in the order of
// LoadOptions::transports. Throughput and the measuring process's own CPU are left to the
// caller, who knows the publishing time and its process.
struct SubscriberResult
{
    QList<load::TransportSummary> summaries;
    std::vector<load::InterMessageSeries> series;
    // What only the pool that holds the clients can tell, for the benches (bench/) and in
    // none of duplex-loadgen's outputs: details[i] for summaries[i], or empty when the
    // result was merged from worker processes.
    struct Detail
    {
        qint64 polls = -1;   // Comet polls completed since acceptPublishers(); -1: not polling
        qint64 foreign = 0;  // messages that were not this run's payloads
        // Each client's standard deviation of the time between its consecutive new
        // messages, averaged over the clients: the batching a mean hides. NaN when none.
        double jitterMs = std::numeric_limits<double>::quiet_NaN();
        QMap<QString, int> clientsByNode; // from the welcomes (nchan's carry no node)
    };
    std::vector<Detail> details;
};

// The subscribers of one process and their accounting, shared by the single-process run,
// the workers of a split one and nothing else: connects them at the ramp rate, classifies
// every receipt (SequenceTracker per publisher), keeps latency histograms and the
// thesis's inter-message series per transport, and turns that into interval reports and
// the run's figures once it is told what the publishers sent.
//
// The clients speak Duplex (CometClient, WebSocketClient) or nchan (NchanClient, its
// WebSocket or long-poll subscriber, LoadOptions::protocol); the accounting is the same.
//
// A pool holds the clients whose index i (0 .. clients-1, the same numbering in every
// transport) satisfies i % workers == worker, so indices stay unique across workers.
class SubscriberPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SubscriberPool)

public:
    SubscriberPool(const LoadOptions &options, int worker, int workers, QObject *parent = nullptr);
    ~SubscriberPool() override;

    // Starts connecting, at options.rampPerSecond / workers.
    void start();
    // Closes every client; nothing is emitted afterwards.
    void stop();

    // Payloads of publishers 0 .. count-1 are this run's from now on; before, every
    // message is someone else's (the publishers start after the subscribers).
    void acceptPublishers(int count);
    // Emits drained() once every subscriber has received every message the publishers
    // count as sent (`tallies`, indexed by publisher), at once if they all have. Messages
    // of failed publishes do not count: the cluster may have sequenced them anyway, and
    // counting them would end the run while expected ones are still on their way.
    void setDrainTarget(const std::vector<PublisherTally> &tallies);

    int size() const { return int(m_subscribers.size()); }
    int welcomed() const { return m_welcomed; }

    // The interval since the previous call, per transport, and starts the next one.
    QList<load::TransportInterval> takeInterval();
    // The run's figures given what the publishers did (`tallies`, indexed by publisher).
    SubscriberResult result(const std::vector<PublisherTally> &tallies) const;

signals:
    // Every subscriber of the pool was welcomed once.
    void allConnected();
    void drained();
    // The cluster is not there: the first subscribers cannot get a welcome.
    void failed(const QString &reason);

private:
    // The one client of a subscriber; monostate until the ramp reaches it.
    using Client = std::variant<std::monostate, std::unique_ptr<client::CometClient>, std::unique_ptr<client::WebSocketClient>,
                                std::unique_ptr<client::NchanClient>>;

    struct Subscriber
    {
        int transport = 0; // index into m_transports
        int index = 0;     // client number within its transport, for the thesis series
        Client client;
        bool welcomed = false;
        QString node; // from the first welcome
        qint64 received = 0; // distinct messages of this run, all publishers
        qint64 receivedExpected = 0; // of those, the ones not from failed publishes (once draining)
        qint64 pollsAtAccept = 0; // Comet: pollsCompleted() when the publishers began
        // The time between consecutive new messages: last receipt, count, mean, m2 (Welford).
        qint64 lastReceiptUs = -1;
        qint64 deltas = 0;
        double deltaMeanUs = 0;
        double deltaM2 = 0;
        QHash<int, load::SequenceTracker> trackers; // per publisher
    };

    struct Transport
    {
        protocol::Transport kind = protocol::Transport::WebSocket;
        int clients = 0;
        load::LatencyHistogram intervalLatency;
        load::LatencyHistogram totalLatency;
        load::InterMessageSeries series;
        qint64 intervalReceived = 0;
        qint64 foreign = 0; // messages that were not this run's payloads
        qint64 errors = 0;
        qint64 reconnects = 0;
        qint64 intervalErrors = 0;     // since the last interval line, as the line reports them
        qint64 intervalReconnects = 0;
    };

    void connectNext();
    // Creates, wires and starts the client of `subscriber`, of the run's protocol.
    void startDuplexClient(Subscriber *subscriber);
    void startNchanClient(Subscriber *subscriber);
    void checkSettled();
    void handleWelcomed(Subscriber *subscriber, const QString &node);
    void handleEvent(Subscriber *subscriber, const protocol::Event &event);
    // One message's data as it arrived (Duplex's event data, nchan's message body).
    void handleMessage(Subscriber *subscriber, const QString &data);
    void handleError(Subscriber *subscriber);
    // Whether the subscriber's client is subscribed now (for the interval's "connected").
    static bool isConnected(const Subscriber &subscriber);
    // Duplicates the client itself recognised and dropped (Duplex's seq; nchan has none).
    static qint64 duplicatesDropped(const Subscriber &subscriber);
    // Polls the subscriber's Comet client completed; -1 for a client that does not poll.
    static qint64 polls(const Subscriber &subscriber);
    void handleReconnecting(Subscriber *subscriber, int attempt, const QString &reason);
    SubscriberResult::Detail detail(int transport) const;

    LoadOptions m_options;
    double m_rampPerSecond;
    std::vector<Transport> m_transports;
    std::vector<std::unique_ptr<Subscriber>> m_subscribers;
    size_t m_nextToConnect = 0;
    int m_welcomed = 0;
    int m_acceptedPublishers = 0;
    qint64 m_drainTarget = -1; // -1: not draining yet
    int m_belowTarget = 0;     // subscribers still short of m_drainTarget
    QHash<int, QSet<qint64>> m_drainFailed; // per publisher: failed publishes, while draining
    bool m_failed = false;  // failed() was emitted: once is enough
    bool m_stopped = false; // stop() was called: nothing is emitted any more
    QTimer *m_rampTimer;
    QTimer *m_settleTimer;
    qint64 m_lastEventMs = 0; // m_clock time of the last event of any kind
    QElapsedTimer m_clock; // since start()
};

} // namespace duplex::loadgen
