#pragma once

#include "load/intermessageseries.h"
#include "load/latencyhistogram.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <limits>

// The load generator's output formats. Every JSON line ends with '\n'.
//
// Interval line, once per interval (charted live by the GUI):
//   {"t":<ms since start>,"transports":{"<name>":{
//       "connected":<clients connected now>,"received":<messages received in the interval>,
//       "p50":<ms>,"p90":<ms>,"p99":<ms>,"max":<ms>,   latency in the interval, null if none
//       "interMessageMs":<ms>,                          mean delta in the interval, null if none
//       "errors":<n>,"reconnects":<n>}, ...}}             both in the interval
// With IntervalJson::ForMerge each transport also carries "interMessageSamples":<n> and
// "hist":<LatencyHistogram::toJson()>, so a parent can merge its workers' lines exactly.
//
// Summary line, once at the end:
//   {"summary":{"t":<ms since start>,"transports":{"<name>":{
//       "clients","expected","delivered","lost","duplicated","outOfOrder","reconnects",
//       "errors",  (integers)
//       "latencyMean","p50","p90","p99","max",   (ms, null if no latency)
//       "interMessageMs","throughputPerSec","clientCpuSeconds"}, ...}}}
// With SummaryJson::ForMerge each transport also carries "hist".
//
// Milliseconds are written with 3 decimals (exact for integer microseconds).
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
    QString transport;
    int connected = 0;
    qint64 received = 0;
    LatencyHistogram latency; // this interval only
    double meanInterMessageMs = std::numeric_limits<double>::quiet_NaN();
    qint64 interMessageSamples = 0; // the deltas behind the mean; weights it in merges
    qint64 errors = 0;
    qint64 reconnects = 0;
};

enum class IntervalJson { Public, ForMerge };

// One interval line (see above), transports in the order given.
QByteArray intervalJsonLine(qint64 elapsedMs, const QList<TransportInterval> &transports,
                            IntervalJson detail = IntervalJson::Public);

struct ParsedTransportInterval
{
    // `latency` is filled only when the line carried "hist"; percentiles always are.
    TransportInterval interval;
    LatencyPercentiles percentiles;
    bool hasHistogram = false;
};

struct IntervalParse
{
    enum class Status { Ok, BadJson, BadField };
    Status status = Status::Ok;
    qint64 elapsedMs = 0;
    // In transport-name order: a JSON object does not keep the writer's order.
    QList<ParsedTransportInterval> transports;
    QString error;
};

// Reads an interval line back (the GUI, the parent reading its workers, tests).
IntervalParse parseIntervalJsonLine(const QByteArray &line);

// Merges the same interval of several workers, transport by transport (in order of first
// appearance): counts add, histograms merge, inter-message means are weighted by samples.
QList<TransportInterval> mergeIntervals(const QList<QList<TransportInterval>> &workers);

struct TransportSummary
{
    QString transport;
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

enum class SummaryJson { Public, ForMerge };

// The summary line (see above), transports in the order given.
QByteArray summaryJson(qint64 elapsedMs, const QList<TransportSummary> &transports,
                       SummaryJson detail = SummaryJson::Public);

struct ParsedTransportSummary
{
    // `summary.latency` is filled only when the line carried "hist"; the rest always is.
    TransportSummary summary;
    LatencyPercentiles percentiles;
    double latencyMeanMs = std::numeric_limits<double>::quiet_NaN();
    bool hasHistogram = false;
};

struct SummaryParse
{
    enum class Status { Ok, BadJson, BadField };
    Status status = Status::Ok;
    qint64 elapsedMs = 0;
    // In transport-name order: a JSON object does not keep the writer's order.
    QList<ParsedTransportSummary> transports;
    QString error;
};

// Reads a summary line back (the GUI, the parent reading its workers, tests).
SummaryParse parseSummaryJson(const QByteArray &line);

// Merges the summaries of several workers by transport: counts, throughput and CPU add,
// histograms merge. meanInterMessageMs is weighted by clients, an approximation: the exact
// figure is the merged InterMessageSeries' overall().meanMs, which a parent should prefer.
QList<TransportSummary> mergeSummaries(const QList<QList<TransportSummary>> &workers);

// An aligned table, one row per transport, for people reading stderr.
QString summaryTable(const QList<TransportSummary> &transports);

// `iteration,transport,mean_inter_message_ms,mean_latency_ms,clients\n`
QByteArray csvHeader();
// One line per row under csvHeader(); a mean that does not exist is an empty field.
QByteArray csvRows(const QString &transport, const QList<IterationRow> &rows);

// Reads back what csvHeader() and csvRows() wrote: the rows of each transport, in file
// order. Only simple transport names (no quoting) are read back.
struct CsvParse
{
    enum class Status { Ok, Bad };
    Status status = Status::Ok;
    QList<QPair<QString, QList<IterationRow>>> transports; // in order of first appearance
    QString error;
};
CsvParse parseCsv(const QByteArray &text);

} // namespace duplex::load
