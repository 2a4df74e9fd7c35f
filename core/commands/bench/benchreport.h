#pragma once

#include "load/transportreport.h"
#include "loadgen/subscriberpool.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <limits>

namespace duplex::bench {

// What one run of a bench (BenchRun) measured: per transport, the load generator's
// summary and details plus what the bench read of the servers in /proc; and how it prints:
// a Markdown table (one row per transport, then a line per transport and one for the
// run) and a JSON document. NaN figures were not measured and print as n/a / null.
struct BenchReport
{
    struct Transport
    {
        load::TransportSummary summary; // throughputPerSec: delivered / publishing time
        loadgen::SubscriberResult::Detail detail;
        // Standard deviation over clients of each client's mean time between messages.
        double interMessageSpreadMs = std::numeric_limits<double>::quiet_NaN();
        // The CPU of the processes holding this transport's connections while
        // publishing, per message they delivered.
        double nodeCpuPerDeliveryUs = std::numeric_limits<double>::quiet_NaN();
        // Their growth over the ramp, per connection (the publisher's included on
        // WebSocket nodes).
        double nodeRssPerClientKiB = std::numeric_limits<double>::quiet_NaN();
    };

    QString title;               // what was run, in one line
    qint64 published = 0;
    double publishSeconds = std::numeric_limits<double>::quiet_NaN();
    // Every server process (nginx and its workers, broker, nodes; nchan's master and
    // workers) while publishing, per message delivered over all transports.
    double serverCpuPerDeliveryUs = std::numeric_limits<double>::quiet_NaN();
    double benchCpuPercent = std::numeric_limits<double>::quiet_NaN(); // of a core, while publishing
    QList<Transport> transports; // empty: nothing was measured
    QStringList failures;        // why the run does not pass; empty when it does

    bool passed() const { return failures.isEmpty(); }
    QString toMarkdown() const;
    QByteArray toJson() const;
};

} // namespace duplex::bench
