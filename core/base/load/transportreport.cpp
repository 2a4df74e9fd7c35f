#include "load/transportreport.h"

#include <cmath>

namespace duplex::load {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double usToMs(qint64 us)
{
    return double(us) / 1000.0;
}

template<typename T>
T &entryFor(QList<T> &merged, protocol::Transport transport)
{
    for (T &entry : merged) {
        if (entry.transport == transport)
            return entry;
    }
    merged.append(T());
    merged.last().transport = transport;
    return merged.last();
}

} // namespace

LatencyPercentiles percentilesOf(const LatencyHistogram &histogram)
{
    LatencyPercentiles p;
    if (histogram.isEmpty())
        return p;
    p.p50Ms = usToMs(histogram.percentile(50));
    p.p90Ms = usToMs(histogram.percentile(90));
    p.p99Ms = usToMs(histogram.percentile(99));
    p.maxMs = usToMs(histogram.max());
    return p;
}

QList<TransportInterval> mergeIntervals(const QList<QList<TransportInterval>> &workers)
{
    QList<TransportInterval> merged;
    // Weighted inter-message sums, parallel to `merged`.
    QList<double> interMessageSums;
    for (const QList<TransportInterval> &worker : workers) {
        for (const TransportInterval &t : worker) {
            TransportInterval &into = entryFor(merged, t.transport);
            const qsizetype index = &into - merged.data();
            if (interMessageSums.size() <= index)
                interMessageSums.resize(index + 1);
            into.connected += t.connected;
            into.received += t.received;
            into.latency.merge(t.latency);
            into.errors += t.errors;
            into.reconnects += t.reconnects;
            if (t.interMessageSamples > 0 && std::isfinite(t.meanInterMessageMs)) {
                into.interMessageSamples += t.interMessageSamples;
                interMessageSums[index] += t.meanInterMessageMs * double(t.interMessageSamples);
            }
        }
    }
    for (qsizetype i = 0; i < merged.size(); ++i) {
        TransportInterval &t = merged[i];
        t.meanInterMessageMs = t.interMessageSamples ? interMessageSums[i] / double(t.interMessageSamples) : kNaN;
    }
    return merged;
}

QList<TransportSummary> mergeSummaries(const QList<QList<TransportSummary>> &workers)
{
    QList<TransportSummary> merged;
    QList<double> interMessageSums; // weighted by clients, parallel to `merged`
    QList<qint64> interMessageClients;
    for (const QList<TransportSummary> &worker : workers) {
        for (const TransportSummary &t : worker) {
            TransportSummary &into = entryFor(merged, t.transport);
            const qsizetype index = &into - merged.data();
            if (interMessageSums.size() <= index) {
                interMessageSums.resize(index + 1);
                interMessageClients.resize(index + 1);
            }
            into.clients += t.clients;
            into.expected += t.expected;
            into.delivered += t.delivered;
            into.lost += t.lost;
            into.duplicated += t.duplicated;
            into.outOfOrder += t.outOfOrder;
            into.reconnects += t.reconnects;
            into.errors += t.errors;
            into.latency.merge(t.latency);
            // Workers run side by side over the same period: their rates add.
            into.throughputPerSec += t.throughputPerSec;
            into.clientCpuSeconds += t.clientCpuSeconds;
            if (t.clients > 0 && std::isfinite(t.meanInterMessageMs)) {
                interMessageSums[index] += t.meanInterMessageMs * t.clients;
                interMessageClients[index] += t.clients;
            }
        }
    }
    for (qsizetype i = 0; i < merged.size(); ++i)
        merged[i].meanInterMessageMs = interMessageClients[i] ? interMessageSums[i] / double(interMessageClients[i]) : kNaN;
    return merged;
}

} // namespace duplex::load
