#pragma once

#include "load/loadreport.h"
#include "loadgen/subscriberpool.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <limits>

namespace duplex::loadgen {

// What one run of a bench (ClusterBench) measured: per transport, the load generator's
// summary and details plus what the bench read of the nodes in /proc; and how it prints:
// a Markdown table (one row per transport, then a line per transport and one for the
// run) and a JSON document. NaN figures were not measured and print as n/a / null.
struct BenchReport
{
    struct Transport
    {
        load::TransportSummary summary; // throughputPerSec: delivered / publishing time
        SubscriberResult::Detail detail;
        // Standard deviation over clients of each client's mean time between messages.
        double interMessageSpreadMs = std::numeric_limits<double>::quiet_NaN();
        // The CPU of this transport's nodes while publishing, per delivered message.
        double nodeCpuPerDeliveryUs = std::numeric_limits<double>::quiet_NaN();
        // This transport's nodes' growth over the ramp, per connection (the publisher's
        // included on WebSocket nodes).
        double nodeRssPerClientKiB = std::numeric_limits<double>::quiet_NaN();
    };

    QString title;               // what was run, in one line
    qint64 published = 0;
    double publishSeconds = std::numeric_limits<double>::quiet_NaN();
    double benchCpuPercent = std::numeric_limits<double>::quiet_NaN(); // of a core, while publishing
    QList<Transport> transports; // empty: nothing was measured
    QStringList failures;        // why the run does not pass; empty when it does

    bool passed() const { return failures.isEmpty(); }
    QString toMarkdown() const;
    QByteArray toJson() const;
};

} // namespace duplex::loadgen
