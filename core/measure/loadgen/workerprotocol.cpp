#include "loadgen/workerprotocol.h"

#include "load/intervaljson.h"
#include "load/summaryjson.h"
#include "protocol/transport.h"
#include "util/jsonnumber.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <limits>

namespace duplex::loadgen {

namespace {

QByteArray line(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

QJsonObject talliesJson(const std::vector<PublisherTally> &tallies)
{
    QJsonArray sent;
    QJsonArray failed;
    for (const PublisherTally &t : tallies) {
        sent.append(t.sent);
        QList<qint64> counters(t.failed.cbegin(), t.failed.cend());
        std::sort(counters.begin(), counters.end());
        QJsonArray list;
        for (const qint64 counter : counters)
            list.append(counter);
        failed.append(list);
    }
    return QJsonObject{{QStringLiteral("sent"), sent}, {QStringLiteral("failed"), failed}};
}

bool readTallies(const QJsonObject &object, std::vector<PublisherTally> *out)
{
    const QJsonArray sent = object.value(QLatin1String("sent")).toArray();
    const QJsonArray failed = object.value(QLatin1String("failed")).toArray();
    if (!object.value(QLatin1String("sent")).isArray() || !object.value(QLatin1String("failed")).isArray()
        || sent.size() != failed.size())
        return false;
    out->clear();
    for (qsizetype i = 0; i < sent.size(); ++i) {
        PublisherTally tally;
        if (!util::readJsonCount(sent.at(i), &tally.sent) || !failed.at(i).isArray())
            return false;
        for (const QJsonValue &counter : failed.at(i).toArray()) {
            qint64 value = 0;
            if (!util::readJsonCount(counter, &value) || value >= tally.sent)
                return false;
            tally.failed.insert(value);
        }
        out->push_back(std::move(tally));
    }
    return true;
}

// `{"worker":i,<keys>` followed by the rest of a line that opens with '{'.
QByteArray prefixed(const QByteArray &keys, const QByteArray &jsonLine)
{
    return keys + ',' + jsonLine.mid(1);
}

} // namespace

QByteArray tickCommand(qint64 tick)
{
    return line(QJsonObject{{QStringLiteral("tick"), tick}});
}

QByteArray expectCommand(const std::vector<PublisherTally> &tallies)
{
    return line(QJsonObject{{QStringLiteral("expect"), talliesJson(tallies)}});
}

QByteArray finishCommand(qint64 tick, const std::vector<PublisherTally> &tallies)
{
    QJsonObject finish = talliesJson(tallies);
    finish.insert(QStringLiteral("tick"), tick);
    return line(QJsonObject{{QStringLiteral("finish"), finish}});
}

WorkerCommand parseWorkerCommand(const QByteArray &text)
{
    WorkerCommand command;
    auto bad = [&command](const QString &error) {
        command.status = WorkerCommand::Status::Bad;
        command.error = error;
        return command;
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return bad(QStringLiteral("not a JSON object: %1").arg(parseError.errorString()));
    const QJsonObject root = doc.object();
    if (root.contains(QLatin1String("tick"))) {
        command.kind = WorkerCommand::Kind::Tick;
        if (!util::readJsonCount(root.value(QLatin1String("tick")), &command.tick))
            return bad(QStringLiteral("\"tick\" is not a count"));
    } else if (root.value(QLatin1String("expect")).isObject()) {
        command.kind = WorkerCommand::Kind::Expect;
        if (!readTallies(root.value(QLatin1String("expect")).toObject(), &command.tallies))
            return bad(QStringLiteral("\"expect\" is not {sent, failed}"));
    } else if (root.value(QLatin1String("finish")).isObject()) {
        command.kind = WorkerCommand::Kind::Finish;
        const QJsonObject finish = root.value(QLatin1String("finish")).toObject();
        if (!util::readJsonCount(finish.value(QLatin1String("tick")), &command.tick) || !readTallies(finish, &command.tallies))
            return bad(QStringLiteral("\"finish\" is not {tick, sent, failed}"));
    } else {
        return bad(QStringLiteral("unknown command"));
    }
    return command;
}

QByteArray connectedReport(int worker, int subscribers)
{
    return QStringLiteral("{\"worker\":%1,\"connected\":%2}\n").arg(worker).arg(subscribers).toUtf8();
}

QByteArray tickReport(int worker, qint64 tick, int welcomed, qint64 elapsedMs,
                      const QList<load::TransportInterval> &transports)
{
    return prefixed(QStringLiteral("{\"worker\":%1,\"tick\":%2,\"welcomed\":%3").arg(worker).arg(tick).arg(welcomed).toUtf8(),
                    load::intervalJsonLine(elapsedMs, transports, load::IntervalJson::ForMerge));
}

QByteArray drainedReport(int worker)
{
    return QStringLiteral("{\"worker\":%1,\"drained\":true}\n").arg(worker).toUtf8();
}

QByteArray finalReport(int worker, qint64 elapsedMs, const SubscriberResult &result)
{
    QJsonObject series;
    for (qsizetype i = 0; i < result.summaries.size() && size_t(i) < result.series.size(); ++i)
        series.insert(protocol::transportName(result.summaries.at(i).transport), result.series[size_t(i)].toJson());
    const QByteArray keys = QStringLiteral("{\"worker\":%1,\"series\":").arg(worker).toUtf8()
        + QJsonDocument(series).toJson(QJsonDocument::Compact);
    return prefixed(keys, load::summaryJson(elapsedMs, result.summaries, load::SummaryJson::ForMerge));
}

WorkerReport parseWorkerReport(const QByteArray &text)
{
    WorkerReport report;
    auto bad = [&report](const QString &error) {
        report.status = WorkerReport::Status::Bad;
        report.error = error;
        report.intervals.clear();
        report.result = {};
        return report;
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return bad(QStringLiteral("not a JSON object: %1").arg(parseError.errorString()));
    const QJsonObject root = doc.object();
    qint64 value = 0;
    if (!util::readJsonCount(root.value(QLatin1String("worker")), &value) || value > std::numeric_limits<int>::max())
        return bad(QStringLiteral("\"worker\" is not a count"));
    report.worker = int(value);

    if (root.contains(QLatin1String("connected"))) {
        report.kind = WorkerReport::Kind::Connected;
        if (!util::readJsonCount(root.value(QLatin1String("connected")), &value) || value > std::numeric_limits<int>::max())
            return bad(QStringLiteral("\"connected\" is not a count"));
        report.subscribers = int(value);
    } else if (root.contains(QLatin1String("tick"))) {
        report.kind = WorkerReport::Kind::Tick;
        if (!util::readJsonCount(root.value(QLatin1String("tick")), &report.tick))
            return bad(QStringLiteral("\"tick\" is not a count"));
        if (!util::readJsonCount(root.value(QLatin1String("welcomed")), &value) || value > std::numeric_limits<int>::max())
            return bad(QStringLiteral("\"welcomed\" is not a count"));
        report.welcomed = int(value);
        // The same bytes are an interval line: the extra keys in front are ignored there.
        const load::IntervalParse interval = load::parseIntervalJsonLine(text);
        if (interval.status != load::IntervalParse::Status::Ok)
            return bad(QStringLiteral("interval: ") + interval.error);
        for (const load::ParsedTransportInterval &t : interval.transports) {
            if (!t.hasHistogram)
                return bad(QStringLiteral("interval: transport \"%1\" has no \"hist\"").arg(protocol::transportName(t.interval.transport)));
            report.intervals << t.interval;
        }
    } else if (root.value(QLatin1String("drained")).toBool()) {
        report.kind = WorkerReport::Kind::Drained;
    } else if (root.value(QLatin1String("series")).isObject()) {
        report.kind = WorkerReport::Kind::Final;
        const load::SummaryParse summary = load::parseSummaryJson(text);
        if (summary.status != load::SummaryParse::Status::Ok)
            return bad(QStringLiteral("summary: ") + summary.error);
        const QJsonObject series = root.value(QLatin1String("series")).toObject();
        for (const load::ParsedTransportSummary &t : summary.transports) {
            if (!t.hasHistogram)
                return bad(QStringLiteral("summary: transport \"%1\" has no \"hist\"").arg(protocol::transportName(t.summary.transport)));
            const QJsonValue json = series.value(protocol::transportName(t.summary.transport));
            if (!json.isObject())
                return bad(QStringLiteral("no series for transport \"%1\"").arg(protocol::transportName(t.summary.transport)));
            load::InterMessageSeriesParse parsed = load::InterMessageSeries::fromJson(json.toObject());
            if (parsed.status != load::InterMessageSeriesParse::Status::Ok)
                return bad(parsed.error);
            report.result.summaries << t.summary;
            report.result.series.push_back(std::move(parsed.series));
        }
    } else {
        return bad(QStringLiteral("unknown report"));
    }
    return report;
}

} // namespace duplex::loadgen
