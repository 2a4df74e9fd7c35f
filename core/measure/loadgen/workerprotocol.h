#pragma once

#include "load/transportreport.h"
#include "loadgen/publishertally.h"
#include "loadgen/subscriberpool.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <vector>

// How a split run's parent (loadgen/workergroup.h) and its workers (loadgen/loadworker.h)
// talk: one JSON object per line, parent to worker on the worker's stdin, worker to parent
// on its stdout. The worker's stderr is for people.
//
// Parent to worker:
//   {"tick":n}                                 report interval n now
//   {"expect":{"sent":[..],"failed":[[..],..]}} the publishers are done (sent and failed
//                                              counters per publisher): say "drained" once
//                                              every subscriber has the expected messages
//   {"finish":{"tick":n,"sent":[..],"failed":[[..],..]}}
//                                              report interval n, then the final report
//                                              with these tallies, then exit 0
// Worker to parent:
//   {"worker":i,"connected":n}                 all n subscribers were welcomed
//   {"worker":i,"tick":n,"welcomed":w,"t":..,"transports":{..}}
//                                              interval n: an IntervalJson::ForMerge line
//                                              with three more keys in front
//   {"worker":i,"drained":true}
//   {"worker":i,"series":{"<transport>":<InterMessageSeries::toJson()>,..},"summary":{..}}
//                                              the final report: a SummaryJson::ForMerge
//                                              line (clientCpuSeconds: the worker's CPU)
//                                              with the series in front
// Interval lines carry the latency histograms and inter-message sample counts, so the
// parent's merge is exact; the tallies let each worker count lost and expected exactly as
// a single process would.
namespace duplex::loadgen {

QByteArray tickCommand(qint64 tick);
QByteArray expectCommand(const std::vector<PublisherTally> &tallies);
QByteArray finishCommand(qint64 tick, const std::vector<PublisherTally> &tallies);

struct WorkerCommand
{
    enum class Status { Ok, Bad };
    enum class Kind { Tick, Expect, Finish };
    Status status = Status::Ok;
    Kind kind = Kind::Tick;
    qint64 tick = 0;                     // Tick, Finish
    std::vector<PublisherTally> tallies; // Expect, Finish
    QString error;
};

// Reads one line of the parent; Bad for anything else, with `error`.
WorkerCommand parseWorkerCommand(const QByteArray &line);

QByteArray connectedReport(int worker, int subscribers);
QByteArray tickReport(int worker, qint64 tick, int welcomed, qint64 elapsedMs,
                      const QList<load::TransportInterval> &transports);
QByteArray drainedReport(int worker);
// `result.summaries[i].clientCpuSeconds` should be the worker's CPU; the series follow
// the summaries' order.
QByteArray finalReport(int worker, qint64 elapsedMs, const SubscriberResult &result);

struct WorkerReport
{
    enum class Status { Ok, Bad };
    enum class Kind { Connected, Tick, Drained, Final };
    Status status = Status::Ok;
    Kind kind = Kind::Connected;
    int worker = 0;
    int subscribers = 0; // Connected
    qint64 tick = 0;     // Tick
    int welcomed = 0;    // Tick
    QList<load::TransportInterval> intervals; // Tick, with histograms, in name order
    SubscriberResult result; // Final, in name order, series[i] for summaries[i]
    QString error;
};

// Reads one line of a worker; Bad for anything else (a line without the merge details
// included), with `error`.
WorkerReport parseWorkerReport(const QByteArray &line);

} // namespace duplex::loadgen
