#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <limits>
#include <map>

namespace duplex::load {

struct InterMessageSeriesParse;

// One row of the thesis's figure: iteration i = message index i of the publisher.
struct IterationRow
{
    qint64 iteration = 0;
    // Clients that received both i-1 and i, i.e. that contributed a delta.
    qint64 clients = 0;
    // Mean over those clients of t(i) - t(i-1); NaN when there is none (iteration 0).
    double meanInterMessageMs = std::numeric_limits<double>::quiet_NaN();
    // Clients that received i at all, and their mean end-to-end latency (NaN when none).
    qint64 receipts = 0;
    double meanLatencyMs = std::numeric_limits<double>::quiet_NaN();
};

// The deltas recorded since the previous takeIntervalMean(), for the live JSON line.
struct InterMessageInterval
{
    qint64 samples = 0;
    double meanMs = std::numeric_limits<double>::quiet_NaN(); // NaN when samples == 0
};

// The whole run in two numbers, as the thesis's text quotes it.
struct InterMessageOverall
{
    qint64 iterations = 0; // iterations with at least one delta
    qint64 clients = 0;    // clients with at least one delta
    // Mean over iterations of each iteration's mean delta; NaN when there is none.
    double meanMs = std::numeric_limits<double>::quiet_NaN();
    // Population standard deviation over clients of each client's mean delta: how unequal
    // the clients' experience was. NaN when no client has a delta.
    double clientStddevMs = std::numeric_limits<double>::quiet_NaN();
};

// The thesis's figure for one transport: for every iteration (message index) i, the time
// between a client receiving message i-1 and message i, averaged over the clients.
// Memory is per iteration (sums and counts) plus per client (last receipt and running
// sums); never clients x iterations.
//
// `client` is whatever key identifies one receiving stream: with several publishers use
// one series per publisher, or a key that combines client and publisher.
class InterMessageSeries final
{
public:
    // One receipt of message `iteration` by `client` at `receivedUs`, with its end-to-end
    // latency. Call it once per distinct message (what SequenceTracker says is New or
    // OutOfOrder). A delta is counted when the client's previous receipt was iteration-1;
    // a receipt older than the client's latest adds its latency but no delta.
    void recordReceipt(int client, qint64 iteration, qint64 receivedUs, qint64 latencyUs);

    // One row per iteration with a receipt, in iteration order.
    QList<IterationRow> rows() const;

    // The mean of the deltas recorded since the previous call (an iteration never
    // provably completes, a slow client may still deliver it, so the live figure is over
    // the deltas that arrived in the interval), and starts a new interval.
    InterMessageInterval takeIntervalMean();

    InterMessageOverall overall() const;

    // Adds a series kept by another worker for other clients: per-iteration sums add,
    // clients' means join the standard deviation. The merged series is for reporting;
    // receipts of a client keep going to the series that saw its earlier ones.
    void merge(const InterMessageSeries &other);

    // Worker-to-parent form: per-iteration sums and the clients' means (not their last
    // receipts). `{"it":[[iteration,deltas,sumDeltaUs,receipts,sumLatencyUs],...],
    // "cm":{"n":..,"mean":..,"m2":..},"iv":{"n":..,"sum":..}}`
    QJsonObject toJson() const;
    static InterMessageSeriesParse fromJson(const QJsonObject &json);

    void clear();

private:
    // Count, mean and sum of squared deviations, mergeable (Chan et al.), so the
    // standard deviation over clients survives merging workers without keeping samples.
    struct Moments
    {
        qint64 n = 0;
        double mean = 0;
        double m2 = 0;
        void add(double x);
        void merge(const Moments &other);
    };
    struct ClientState
    {
        qint64 lastIteration = -1;
        qint64 lastUs = 0;
        qint64 deltas = 0;
        qint64 sumDeltaUs = 0;
    };
    struct IterationSums
    {
        // Integer µs sums: exact, so merging in any order gives the same series.
        qint64 deltas = 0;
        qint64 sumDeltaUs = 0;
        qint64 receipts = 0;
        qint64 sumLatencyUs = 0;
    };

    Moments clientMoments() const;

    QHash<int, ClientState> m_clients;
    Moments m_mergedClients; // clients of merged series, already reduced to moments
    std::map<qint64, IterationSums> m_iterations;
    qint64 m_intervalDeltas = 0;
    qint64 m_intervalSumUs = 0;
};

struct InterMessageSeriesParse
{
    enum class Status { Ok, Bad };
    Status status = Status::Ok;
    InterMessageSeries series;
    QString error;
};

} // namespace duplex::load
