#include "load/iterationcsv.h"

#include "load/fixednumber.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace duplex::load {

namespace {

QByteArray csvNumber(double value)
{
    return std::isfinite(value) ? fixedNumber(value, 3) : QByteArray();
}

} // namespace

QByteArray csvHeader()
{
    return QByteArrayLiteral("iteration,transport,mean_inter_message_ms,mean_latency_ms,clients\n");
}

QByteArray csvRows(protocol::Transport transport, const QList<IterationRow> &rows)
{
    const QByteArray name = protocol::transportName(transport).toUtf8();
    QByteArray out;
    for (const IterationRow &row : rows) {
        out += QByteArray::number(row.iteration) + ',' + name + ',' + csvNumber(row.meanInterMessageMs) + ','
            + csvNumber(row.meanLatencyMs) + ',' + QByteArray::number(row.clients) + '\n';
    }
    return out;
}

CsvParse parseCsv(const QByteArray &text)
{
    CsvParse r;
    auto fail = [&r](const QString &error) {
        r.status = CsvParse::Status::Bad;
        r.error = error;
        return r;
    };
    QList<QByteArray> lines = text.split('\n');
    if (lines.isEmpty() || lines.first() + '\n' != csvHeader())
        return fail(QStringLiteral("not a Duplex iteration CSV (header: %1)").arg(QString::fromUtf8(lines.value(0))));
    // An empty cell is a mean that does not exist (NaN), as csvRows() writes it.
    auto number = [](const QByteArray &cell, bool *ok) {
        if (cell.isEmpty()) {
            *ok = true;
            return std::numeric_limits<double>::quiet_NaN();
        }
        return cell.toDouble(ok);
    };
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        if (line.isEmpty())
            continue;
        const QList<QByteArray> cells = line.split(',');
        if (cells.size() != 5)
            return fail(QStringLiteral("line %1: expected 5 cells, got %2").arg(i + 1).arg(cells.size()));
        IterationRow row;
        bool ok1 = false, ok2 = false, ok3 = false, ok4 = false;
        row.iteration = cells.at(0).toLongLong(&ok1);
        row.meanInterMessageMs = number(cells.at(2), &ok2);
        row.meanLatencyMs = number(cells.at(3), &ok3);
        row.clients = cells.at(4).toLongLong(&ok4);
        if (!ok1 || !ok2 || !ok3 || !ok4)
            return fail(QStringLiteral("line %1: not numbers: %2").arg(i + 1).arg(QString::fromUtf8(line)));
        const std::optional<protocol::Transport> transport = protocol::transportFromName(QString::fromUtf8(cells.at(1)));
        if (!transport)
            return fail(QStringLiteral("line %1: not a transport: %2").arg(i + 1).arg(QString::fromUtf8(cells.at(1))));
        auto it = std::find_if(r.transports.begin(), r.transports.end(),
                               [&transport](const auto &entry) { return entry.first == *transport; });
        if (it == r.transports.end()) {
            r.transports.append({*transport, {}});
            it = r.transports.end() - 1;
        }
        it->second.append(row);
    }
    return r;
}

} // namespace duplex::load
