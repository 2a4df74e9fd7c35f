#pragma once

#include "load/latencyhistogram.h"
#include "protocol/transport.h"

#include <QList>
#include <QString>
#include <QtGlobal>

#include <limits>

// What the load generator's reports say per transport, whatever the format: one interval's
// figures, a whole run's, and how the figures of several workers (--procs) merge. The
// formats that write and read them are load/intervaljson.h, load/summaryjson.h,
// load/summarytable.h and load/iterationcsv.h.
namespace duplex::load {

// Latency percentiles in milliseconds as a line shows them; NaN when there was none.
struct LatencyPercentiles
{
    double p50Ms = std::numeric_limits<double>::quiet_NaN();
    double p90Ms = std::numeric_limits<double>::quiet_NaN();
    double p99Ms = std::numeric_limits<double>::quiet_NaN();
    double maxMs = std::numeric_limits<double>::quiet_NaN();
};

// What the histogram says, in the units of the lines.
LatencyPercentiles percentilesOf(const LatencyHistogram &histogram);

struct TransportInterval
{
    protocol::Transport transport = protocol::Transport::WebSocket;
    int connected = 0;
    qint64 received = 0;
    LatencyHistogram latency; // this interval only
    double meanInterMessageMs = std::numeric_limits<double>::quiet_NaN();
    qint64 interMessageSamples = 0; // the deltas behind the mean; weights it in merges
    qint64 errors = 0;
    qint64 reconnects = 0;
};

// Merges the same interval of several workers, transport by transport (in order of first
// appearance): counts add, histograms merge, inter-message means are weighted by samples.
QList<TransportInterval> mergeIntervals(const QList<QList<TransportInterval>> &workers);

struct TransportSummary
{
    protocol::Transport transport = protocol::Transport::WebSocket;
    int clients = 0;
    qint64 expected = 0;
    qint64 delivered = 0;
    qint64 lost = 0;
    qint64 duplicated = 0;
    qint64 outOfOrder = 0;
    qint64 reconnects = 0;
    qint64 errors = 0;
    LatencyHistogram latency; // the whole run
    double meanInterMessageMs = std::numeric_limits<double>::quiet_NaN();
    double throughputPerSec = 0;
    double clientCpuSeconds = 0;
};

// Merges the summaries of several workers by transport: counts, throughput and CPU add,
// histograms merge. meanInterMessageMs is weighted by clients, an approximation: the exact
// figure is the merged InterMessageSeries' overall().meanMs, which a parent should prefer.
QList<TransportSummary> mergeSummaries(const QList<QList<TransportSummary>> &workers);

} // namespace duplex::load
