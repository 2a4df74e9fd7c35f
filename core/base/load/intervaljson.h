#pragma once

#include "load/transportreport.h"

#include <QByteArray>
#include <QList>
#include <QString>

// The load generator's interval line, once per interval (charted live by the GUI), ending
// with '\n':
//   {"t":<ms since start>,"transports":{"<transport name: ws, comet>":{
//       "connected":<clients connected now>,"received":<messages received in the interval>,
//       "p50":<ms>,"p90":<ms>,"p99":<ms>,"max":<ms>,   latency in the interval, null if none
//       "interMessageMs":<ms>,                          mean delta in the interval, null if none
//       "errors":<n>,"reconnects":<n>}, ...}}             both in the interval
// With IntervalJson::ForMerge each transport also carries "interMessageSamples":<n> and
// "hist":<LatencyHistogram::toJson()>, so a parent can merge its workers' lines exactly.
// Milliseconds are written with 3 decimals (exact for integer microseconds).
namespace duplex::load {

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

} // namespace duplex::load
