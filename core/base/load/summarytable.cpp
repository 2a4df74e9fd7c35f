#include "load/summarytable.h"

#include "load/fixednumber.h"

#include <QStringList>

#include <algorithm>
#include <cmath>

namespace duplex::load {

namespace {

// Left-aligns the first column and right-aligns the others, two spaces apart.
QString alignedTable(const QList<QStringList> &rows)
{
    QList<int> widths;
    for (const QStringList &row : rows) {
        for (int i = 0; i < row.size(); ++i) {
            if (i >= widths.size())
                widths.append(0);
            widths[i] = std::max(widths[i], int(row.at(i).size()));
        }
    }
    QString out;
    for (const QStringList &row : rows) {
        QString line;
        for (int i = 0; i < row.size(); ++i) {
            if (i > 0)
                line += QLatin1String("  ");
            line += i == 0 ? row.at(i).leftJustified(widths[i]) : row.at(i).rightJustified(widths[i]);
        }
        out += line + QLatin1Char('\n');
    }
    return out;
}

QString tableNumber(double value, int decimals)
{
    return std::isfinite(value) ? QString::fromLatin1(fixedNumber(value, decimals)) : QStringLiteral("-");
}

} // namespace

QString summaryTable(const QList<TransportSummary> &transports)
{
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    QList<QStringList> rows;
    rows.append({QStringLiteral("transport"), QStringLiteral("clients"), QStringLiteral("expected"),
                 QStringLiteral("delivered"), QStringLiteral("lost"), QStringLiteral("dup"), QStringLiteral("ooo"),
                 QStringLiteral("reconn"), QStringLiteral("errors"), QStringLiteral("mean ms"), QStringLiteral("p50 ms"),
                 QStringLiteral("p90 ms"), QStringLiteral("p99 ms"), QStringLiteral("max ms"),
                 QStringLiteral("inter-msg ms"), QStringLiteral("msg/s"), QStringLiteral("cpu s")});
    for (const TransportSummary &t : transports) {
        const LatencyPercentiles p = percentilesOf(t.latency);
        rows.append({t.transport, QString::number(t.clients), QString::number(t.expected),
                     QString::number(t.delivered), QString::number(t.lost), QString::number(t.duplicated),
                     QString::number(t.outOfOrder), QString::number(t.reconnects), QString::number(t.errors),
                     tableNumber(t.latency.isEmpty() ? kNaN : t.latency.mean() / 1000.0, 2), tableNumber(p.p50Ms, 2),
                     tableNumber(p.p90Ms, 2), tableNumber(p.p99Ms, 2), tableNumber(p.maxMs, 2),
                     tableNumber(t.meanInterMessageMs, 2), tableNumber(t.throughputPerSec, 1),
                     tableNumber(t.clientCpuSeconds, 2)});
    }
    return alignedTable(rows);
}

} // namespace duplex::load
