#pragma once

#include "load/transportreport.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <limits>

// The load generator's summary line, once at the end, ending with '\n':
//   {"summary":{"t":<ms since start>,"transports":{"<transport name: ws, comet>":{
//       "clients","expected","delivered","lost","duplicated","outOfOrder","reconnects",
//       "errors",  (integers)
//       "latencyMean","p50","p90","p99","max",   (ms, null if no latency)
//       "interMessageMs","throughputPerSec","clientCpuSeconds"}, ...}}}
// With SummaryJson::ForMerge each transport also carries "hist".
// Milliseconds are written with 3 decimals (exact for integer microseconds).
namespace duplex::load {

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

} // namespace duplex::load
