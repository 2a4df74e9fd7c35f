#include "load/intervaljson.h"

#include "load/jsonfields.h"
#include "load/reportjson.h"

#include <limits>

namespace duplex::load {

using namespace reportjson;

QByteArray intervalJsonLine(qint64 elapsedMs, const QList<TransportInterval> &transports, IntervalJson detail)
{
    QByteArray byTransport;
    for (const TransportInterval &t : transports) {
        JsonFields fields;
        fields.add("connected", qint64(t.connected));
        fields.add("received", t.received);
        fields.addPercentiles(t.latency);
        fields.add("interMessageMs", t.meanInterMessageMs);
        fields.add("errors", t.errors);
        fields.add("reconnects", t.reconnects);
        if (detail == IntervalJson::ForMerge) {
            fields.add("interMessageSamples", t.interMessageSamples);
            fields.add("hist", t.latency.toJson());
        }
        if (!byTransport.isEmpty())
            byTransport += ',';
        byTransport += JsonFields::quoted(protocol::transportName(t.transport)) + ':' + fields.object();
    }
    JsonFields line;
    line.add("t", elapsedMs);
    line.add("transports", '{' + byTransport + '}');
    return line.object() + '\n';
}

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
        const std::optional<protocol::Transport> transport = protocol::transportFromName(it.key());
        if (!transport)
            return fail(IntervalParse::Status::BadField, where + QStringLiteral("not a transport"));
        t.transport = *transport;
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

} // namespace duplex::load
