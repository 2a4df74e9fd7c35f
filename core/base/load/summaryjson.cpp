#include "load/summaryjson.h"

#include "load/jsonfields.h"
#include "load/reportjson.h"

namespace duplex::load {

using namespace reportjson;

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
        fields.add("latencyMean",
                   t.latency.isEmpty() ? std::numeric_limits<double>::quiet_NaN() : t.latency.mean() / 1000.0);
        fields.addPercentiles(t.latency);
        fields.add("interMessageMs", t.meanInterMessageMs);
        fields.add("throughputPerSec", t.throughputPerSec);
        fields.add("clientCpuSeconds", t.clientCpuSeconds);
        if (detail == SummaryJson::ForMerge)
            fields.add("hist", t.latency.toJson());
        if (!byTransport.isEmpty())
            byTransport += ',';
        byTransport += JsonFields::quoted(protocol::transportName(t.transport)) + ':' + fields.object();
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
        const std::optional<protocol::Transport> transport = protocol::transportFromName(it.key());
        if (!transport)
            return fail(SummaryParse::Status::BadField, where + QStringLiteral("not a transport"));
        t.transport = *transport;
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

} // namespace duplex::load
