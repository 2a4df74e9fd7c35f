#include "load/summarytable.h"

#include "load/figure.h"
#include "load/table.h"

#include <limits>

namespace duplex::load {

QString summaryTable(const QList<TransportSummary> &transports)
{
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    Table table({{QStringLiteral("transport"), Table::Align::Left}, {QStringLiteral("clients")}, {QStringLiteral("expected")},
                 {QStringLiteral("delivered")}, {QStringLiteral("lost")}, {QStringLiteral("dup")}, {QStringLiteral("ooo")},
                 {QStringLiteral("reconn")}, {QStringLiteral("errors")}, {QStringLiteral("mean ms")}, {QStringLiteral("p50 ms")},
                 {QStringLiteral("p90 ms")}, {QStringLiteral("p99 ms")}, {QStringLiteral("max ms")},
                 {QStringLiteral("inter-msg ms")}, {QStringLiteral("msg/s")}, {QStringLiteral("cpu s")}});
    for (const TransportSummary &t : transports) {
        const LatencyPercentiles p = percentilesOf(t.latency);
        table.addRow({protocol::transportName(t.transport), QString::number(t.clients), QString::number(t.expected),
                     QString::number(t.delivered), QString::number(t.lost), QString::number(t.duplicated),
                     QString::number(t.outOfOrder), QString::number(t.reconnects), QString::number(t.errors),
                     figure(t.latency.isEmpty() ? kNaN : t.latency.mean() / 1000.0, 2), figure(p.p50Ms, 2),
                     figure(p.p90Ms, 2), figure(p.p99Ms, 2), figure(p.maxMs, 2),
                     figure(t.meanInterMessageMs, 2), figure(t.throughputPerSec, 1),
                     figure(t.clientCpuSeconds, 2)});
    }
    return table.toMarkdown() + QLatin1Char('\n');
}

} // namespace duplex::load
