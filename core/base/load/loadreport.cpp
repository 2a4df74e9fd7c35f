#include "load/loadreport.h"

#include "util/jsonnumber.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace duplex::load {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Lines are written by hand, not through QJsonObject, because QJsonObject sorts its keys
// and the documented field order (and the golden tests) should hold.
QByteArray jsonString(const QString &text)
{
    const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

// Rounds to `decimals` and never prints "-0.000".
QByteArray fixed(double value, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    double rounded = std::round(value * scale) / scale;
    if (rounded == 0)
        rounded = 0;
    return QByteArray::number(rounded, 'f', decimals);
}

QByteArray jsonNumber(double value)
{
    return std::isfinite(value) ? fixed(value, 3) : QByteArrayLiteral("null");
}

double usToMs(qint64 us)
{
    return double(us) / 1000.0;
}

class JsonFields
{
public:
    void add(const char *key, const QByteArray &value)
    {
        if (!m_text.isEmpty())
            m_text += ',';
        m_text += '"';
        m_text += key;
        m_text += "\":";
        m_text += value;
    }
    void add(const char *key, qint64 value) { add(key, QByteArray::number(value)); }
    void add(const char *key, double value) { add(key, jsonNumber(value)); }
    QByteArray object() const { return '{' + m_text + '}'; }

private:
    QByteArray m_text;
};

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

bool readInteger(const QJsonObject &object, const char *key, qint64 *out)
{
    return util::readJsonInteger(object.value(QLatin1String(key)), out);
}

bool readCount(const QJsonObject &object, const char *key, qint64 *out)
{
    return readInteger(object, key, out) && *out >= 0;
}

// A millisecond field: a number, or null for "there was none".
bool readMs(const QJsonObject &object, const char *key, double *out)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isNull()) {
        *out = kNaN;
        return true;
    }
    if (!value.isDouble() || !std::isfinite(value.toDouble()))
        return false;
    *out = value.toDouble();
    return true;
}

bool readPercentiles(const QJsonObject &object, LatencyPercentiles *out)
{
    return readMs(object, "p50", &out->p50Ms) && readMs(object, "p90", &out->p90Ms)
        && readMs(object, "p99", &out->p99Ms) && readMs(object, "max", &out->maxMs);
}

void addPercentiles(JsonFields &fields, const LatencyHistogram &latency)
{
    const LatencyPercentiles p = percentilesOf(latency);
    fields.add("p50", p.p50Ms);
    fields.add("p90", p.p90Ms);
    fields.add("p99", p.p99Ms);
    fields.add("max", p.maxMs);
}

// Reads the optional "hist" of a transport; false (with `error`) only when present and bad.
bool readHistogram(const QJsonObject &object, LatencyHistogram *out, bool *present, QString *error)
{
    const QJsonValue value = object.value(QLatin1String("hist"));
    *present = !value.isUndefined();
    if (!*present)
        return true;
    if (!value.isObject()) {
        *error = QStringLiteral("\"hist\" is not an object");
        return false;
    }
    LatencyHistogramParse parse = LatencyHistogram::fromJson(value.toObject());
    if (parse.status != LatencyHistogramParse::Status::Ok) {
        *error = parse.error;
        return false;
    }
    *out = std::move(parse.histogram);
    return true;
}

// The top-level object of a line, or an error.
bool readLine(const QByteArray &line, QJsonObject *out, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = parseError.errorString() + QStringLiteral(" at offset ") + QString::number(parseError.offset);
        return false;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("not a JSON object");
        return false;
    }
    *out = doc.object();
    return true;
}

template<typename T>
T &entryFor(QList<T> &merged, const QString &transport)
{
    for (T &entry : merged) {
        if (entry.transport == transport)
            return entry;
    }
    merged.append(T());
    merged.last().transport = transport;
    return merged.last();
}

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
    return std::isfinite(value) ? QString::fromLatin1(fixed(value, decimals)) : QStringLiteral("-");
}

QByteArray csvField(const QString &text)
{
    QByteArray utf8 = text.toUtf8();
    if (!utf8.contains(',') && !utf8.contains('"') && !utf8.contains('\n') && !utf8.contains('\r'))
        return utf8;
    utf8.replace("\"", "\"\"");
    return '"' + utf8 + '"';
}

QByteArray csvNumber(double value)
{
    return std::isfinite(value) ? fixed(value, 3) : QByteArray();
}

} // namespace

LatencyPercentiles percentilesOf(const LatencyHistogram &histogram)
{
    LatencyPercentiles p;
    if (histogram.isEmpty())
        return p;
    p.p50Ms = usToMs(histogram.percentile(50));
    p.p90Ms = usToMs(histogram.percentile(90));
    p.p99Ms = usToMs(histogram.percentile(99));
    p.maxMs = usToMs(histogram.max());
    return p;
}

QByteArray intervalJsonLine(qint64 elapsedMs, const QList<TransportInterval> &transports, IntervalJson detail)
{
    QByteArray byTransport;
    for (const TransportInterval &t : transports) {
        JsonFields fields;
        fields.add("connected", qint64(t.connected));
        fields.add("received", t.received);
        addPercentiles(fields, t.latency);
        fields.add("interMessageMs", t.meanInterMessageMs);
        fields.add("errors", t.errors);
        fields.add("reconnects", t.reconnects);
        if (detail == IntervalJson::ForMerge) {
            fields.add("interMessageSamples", t.interMessageSamples);
            fields.add("hist", compact(t.latency.toJson()));
        }
        if (!byTransport.isEmpty())
            byTransport += ',';
        byTransport += jsonString(t.transport) + ':' + fields.object();
    }
    JsonFields line;
    line.add("t", elapsedMs);
    line.add("transports", '{' + byTransport + '}');
    return line.object() + '\n';
}

namespace {

// The fields every report line carries, interval or summary: `t` and the `transports`
// object; false with `error` saying which is wrong.
bool readReportFields(const QJsonObject &holder, qint64 *elapsedMs, QJsonObject *byName, QString *error)
{
    if (!readInteger(holder, "t", elapsedMs)) {
        *error = QStringLiteral("\"t\" is not an integer");
        return false;
    }
    const QJsonValue transports = holder.value(QLatin1String("transports"));
    if (!transports.isObject()) {
        *error = QStringLiteral("\"transports\" is not an object");
        return false;
    }
    *byName = transports.toObject();
    return true;
}

} // namespace

IntervalParse parseIntervalJsonLine(const QByteArray &line)
{
    IntervalParse parse;
    auto fail = [&parse](IntervalParse::Status status, const QString &error) {
        parse.status = status;
        parse.error = error;
        parse.transports.clear();
        return parse;
    };
    QJsonObject root;
    QString error;
    if (!readLine(line, &root, &error))
        return fail(IntervalParse::Status::BadJson, error);
    QJsonObject byName;
    if (!readReportFields(root, &parse.elapsedMs, &byName, &error))
        return fail(IntervalParse::Status::BadField, error);
    for (auto it = byName.begin(); it != byName.end(); ++it) {
        const QString where = QStringLiteral("transport \"%1\": ").arg(it.key());
        if (!it.value().isObject())
            return fail(IntervalParse::Status::BadField, where + QStringLiteral("not an object"));
        const QJsonObject object = it.value().toObject();
        ParsedTransportInterval parsed;
        TransportInterval &t = parsed.interval;
        t.transport = it.key();
        qint64 connected = 0;
        if (!readCount(object, "connected", &connected) || connected > std::numeric_limits<int>::max()
            || !readCount(object, "received", &t.received) || !readCount(object, "errors", &t.errors)
            || !readCount(object, "reconnects", &t.reconnects))
            return fail(IntervalParse::Status::BadField,
                        where + QStringLiteral("connected, received, errors and reconnects must be counts"));
        t.connected = int(connected);
        if (!readPercentiles(object, &parsed.percentiles) || !readMs(object, "interMessageMs", &t.meanInterMessageMs))
            return fail(IntervalParse::Status::BadField,
                        where + QStringLiteral("p50, p90, p99, max and interMessageMs must be numbers or null"));
        if (object.contains(QLatin1String("interMessageSamples"))
            && !readCount(object, "interMessageSamples", &t.interMessageSamples))
            return fail(IntervalParse::Status::BadField, where + QStringLiteral("interMessageSamples must be a count"));
        if (!readHistogram(object, &t.latency, &parsed.hasHistogram, &error))
            return fail(IntervalParse::Status::BadField, where + error);
        parse.transports.append(parsed);
    }
    return parse;
}

QList<TransportInterval> mergeIntervals(const QList<QList<TransportInterval>> &workers)
{
    QList<TransportInterval> merged;
    // Weighted inter-message sums, parallel to `merged`.
    QList<double> interMessageSums;
    for (const QList<TransportInterval> &worker : workers) {
        for (const TransportInterval &t : worker) {
            TransportInterval &into = entryFor(merged, t.transport);
            const qsizetype index = &into - merged.data();
            if (interMessageSums.size() <= index)
                interMessageSums.resize(index + 1);
            into.connected += t.connected;
            into.received += t.received;
            into.latency.merge(t.latency);
            into.errors += t.errors;
            into.reconnects += t.reconnects;
            if (t.interMessageSamples > 0 && std::isfinite(t.meanInterMessageMs)) {
                into.interMessageSamples += t.interMessageSamples;
                interMessageSums[index] += t.meanInterMessageMs * double(t.interMessageSamples);
            }
        }
    }
    for (qsizetype i = 0; i < merged.size(); ++i) {
        TransportInterval &t = merged[i];
        t.meanInterMessageMs = t.interMessageSamples ? interMessageSums[i] / double(t.interMessageSamples) : kNaN;
    }
    return merged;
}

QByteArray summaryJson(qint64 elapsedMs, const QList<TransportSummary> &transports, SummaryJson detail)
{
    QByteArray byTransport;
    for (const TransportSummary &t : transports) {
        JsonFields fields;
        fields.add("clients", qint64(t.clients));
        fields.add("expected", t.expected);
        fields.add("delivered", t.delivered);
        fields.add("lost", t.lost);
        fields.add("duplicated", t.duplicated);
        fields.add("outOfOrder", t.outOfOrder);
        fields.add("reconnects", t.reconnects);
        fields.add("errors", t.errors);
        fields.add("latencyMean", t.latency.isEmpty() ? kNaN : t.latency.mean() / 1000.0);
        addPercentiles(fields, t.latency);
        fields.add("interMessageMs", t.meanInterMessageMs);
        fields.add("throughputPerSec", t.throughputPerSec);
        fields.add("clientCpuSeconds", t.clientCpuSeconds);
        if (detail == SummaryJson::ForMerge)
            fields.add("hist", compact(t.latency.toJson()));
        if (!byTransport.isEmpty())
            byTransport += ',';
        byTransport += jsonString(t.transport) + ':' + fields.object();
    }
    JsonFields summary;
    summary.add("t", elapsedMs);
    summary.add("transports", '{' + byTransport + '}');
    JsonFields line;
    line.add("summary", summary.object());
    return line.object() + '\n';
}

SummaryParse parseSummaryJson(const QByteArray &line)
{
    SummaryParse parse;
    auto fail = [&parse](SummaryParse::Status status, const QString &error) {
        parse.status = status;
        parse.error = error;
        parse.transports.clear();
        return parse;
    };
    QJsonObject root;
    QString error;
    if (!readLine(line, &root, &error))
        return fail(SummaryParse::Status::BadJson, error);
    const QJsonObject summary = root.value(QLatin1String("summary")).toObject();
    if (!root.value(QLatin1String("summary")).isObject())
        return fail(SummaryParse::Status::BadField, QStringLiteral("\"summary\" is not an object"));
    QJsonObject byName;
    if (!readReportFields(summary, &parse.elapsedMs, &byName, &error))
        return fail(SummaryParse::Status::BadField, error);
    for (auto it = byName.begin(); it != byName.end(); ++it) {
        const QString where = QStringLiteral("transport \"%1\": ").arg(it.key());
        const QJsonObject object = it.value().toObject();
        ParsedTransportSummary parsed;
        TransportSummary &t = parsed.summary;
        t.transport = it.key();
        qint64 clients = 0;
        if (!it.value().isObject() || !readCount(object, "clients", &clients)
            || clients > std::numeric_limits<int>::max() || !readCount(object, "expected", &t.expected)
            || !readCount(object, "delivered", &t.delivered) || !readCount(object, "lost", &t.lost)
            || !readCount(object, "duplicated", &t.duplicated) || !readCount(object, "outOfOrder", &t.outOfOrder)
            || !readCount(object, "reconnects", &t.reconnects) || !readCount(object, "errors", &t.errors))
            return fail(SummaryParse::Status::BadField, where + QStringLiteral("a count is missing or bad"));
        t.clients = int(clients);
        if (!readMs(object, "latencyMean", &parsed.latencyMeanMs) || !readPercentiles(object, &parsed.percentiles)
            || !readMs(object, "interMessageMs", &t.meanInterMessageMs)
            || !readMs(object, "throughputPerSec", &t.throughputPerSec)
            || !readMs(object, "clientCpuSeconds", &t.clientCpuSeconds))
            return fail(SummaryParse::Status::BadField, where + QStringLiteral("a number is missing or bad"));
        if (!readHistogram(object, &t.latency, &parsed.hasHistogram, &error))
            return fail(SummaryParse::Status::BadField, where + error);
        parse.transports.append(parsed);
    }
    return parse;
}

QList<TransportSummary> mergeSummaries(const QList<QList<TransportSummary>> &workers)
{
    QList<TransportSummary> merged;
    QList<double> interMessageSums; // weighted by clients, parallel to `merged`
    QList<qint64> interMessageClients;
    for (const QList<TransportSummary> &worker : workers) {
        for (const TransportSummary &t : worker) {
            TransportSummary &into = entryFor(merged, t.transport);
            const qsizetype index = &into - merged.data();
            if (interMessageSums.size() <= index) {
                interMessageSums.resize(index + 1);
                interMessageClients.resize(index + 1);
            }
            into.clients += t.clients;
            into.expected += t.expected;
            into.delivered += t.delivered;
            into.lost += t.lost;
            into.duplicated += t.duplicated;
            into.outOfOrder += t.outOfOrder;
            into.reconnects += t.reconnects;
            into.errors += t.errors;
            into.latency.merge(t.latency);
            // Workers run side by side over the same period: their rates add.
            into.throughputPerSec += t.throughputPerSec;
            into.clientCpuSeconds += t.clientCpuSeconds;
            if (t.clients > 0 && std::isfinite(t.meanInterMessageMs)) {
                interMessageSums[index] += t.meanInterMessageMs * t.clients;
                interMessageClients[index] += t.clients;
            }
        }
    }
    for (qsizetype i = 0; i < merged.size(); ++i)
        merged[i].meanInterMessageMs = interMessageClients[i] ? interMessageSums[i] / double(interMessageClients[i]) : kNaN;
    return merged;
}

QString summaryTable(const QList<TransportSummary> &transports)
{
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

QByteArray csvHeader()
{
    return QByteArrayLiteral("iteration,transport,mean_inter_message_ms,mean_latency_ms,clients\n");
}

QByteArray csvRows(const QString &transport, const QList<IterationRow> &rows)
{
    const QByteArray name = csvField(transport);
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
        const QString transport = QString::fromUtf8(cells.at(1));
        auto it = std::find_if(r.transports.begin(), r.transports.end(),
                               [&transport](const auto &entry) { return entry.first == transport; });
        if (it == r.transports.end()) {
            r.transports.append({transport, {}});
            it = r.transports.end() - 1;
        }
        it->second.append(row);
    }
    return r;
}

} // namespace duplex::load
