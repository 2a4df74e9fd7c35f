// Unit tests of the load generator's output formats (core/base/load/: intervaljson,
// summaryjson, summarytable, iterationcsv) and of merging workers' figures (transportreport).

#include "load/figure.h"
#include "load/intervaljson.h"
#include "load/iterationcsv.h"
#include "load/summaryjson.h"
#include "load/summarytable.h"
#include "load/table.h"
#include "load/transportreport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <cmath>

using namespace duplex::load;
using duplex::protocol::Transport;
using duplex::protocol::transportName;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool same(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

LatencyHistogram histogramOf(std::initializer_list<qint64> values)
{
    LatencyHistogram h;
    for (qint64 v : values)
        h.record(v);
    return h;
}

// Ten latencies: p50 is 5000 µs (reported from its bucket as 5.007 ms), p90 9000 µs
// (8.991 ms), p99 and max 250000 µs (the bucket middle is clamped to the exact max).
LatencyHistogram tenLatencies()
{
    return histogramOf({1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 250000});
}

TransportInterval interval(Transport transport, int connected, qint64 received, const LatencyHistogram &latency,
                           double interMs, qint64 samples, qint64 errors, qint64 reconnects)
{
    TransportInterval t;
    t.transport = transport;
    t.connected = connected;
    t.received = received;
    t.latency = latency;
    t.meanInterMessageMs = interMs;
    t.interMessageSamples = samples;
    t.errors = errors;
    t.reconnects = reconnects;
    return t;
}

QList<TransportInterval> knownInterval()
{
    return {interval(Transport::WebSocket, 3, 10, tenLatencies(), 100.5, 4, 1, 2),
            interval(Transport::Comet, 2, 0, LatencyHistogram(), kNaN, 0, 0, 0)};
}

TransportSummary summary(Transport transport, int clients, qint64 expected, qint64 delivered, qint64 lost,
                         qint64 duplicated, qint64 outOfOrder, qint64 reconnects, qint64 errors,
                         const LatencyHistogram &latency, double interMs, double throughput, double cpu)
{
    TransportSummary t;
    t.transport = transport;
    t.clients = clients;
    t.expected = expected;
    t.delivered = delivered;
    t.lost = lost;
    t.duplicated = duplicated;
    t.outOfOrder = outOfOrder;
    t.reconnects = reconnects;
    t.errors = errors;
    t.latency = latency;
    t.meanInterMessageMs = interMs;
    t.throughputPerSec = throughput;
    t.clientCpuSeconds = cpu;
    return t;
}

QList<TransportSummary> knownSummary()
{
    return {summary(Transport::WebSocket, 3, 300, 297, 3, 1, 2, 4, 5, tenLatencies(), 100.25, 1234.5678, 1.5),
            summary(Transport::Comet, 2, 200, 200, 0, 0, 0, 0, 0, LatencyHistogram(), kNaN, 0, 0.25)};
}

QString intervalMismatch(const TransportInterval &a, const TransportInterval &b, bool withHistogram)
{
    QStringList diffs;
    if (a.transport != b.transport)
        diffs << QStringLiteral("transport %1 != %2").arg(transportName(a.transport), transportName(b.transport));
    if (a.connected != b.connected)
        diffs << QStringLiteral("connected %1 != %2").arg(a.connected).arg(b.connected);
    if (a.received != b.received)
        diffs << QStringLiteral("received %1 != %2").arg(a.received).arg(b.received);
    if (!same(a.meanInterMessageMs, b.meanInterMessageMs))
        diffs << QStringLiteral("interMessageMs %1 != %2").arg(a.meanInterMessageMs).arg(b.meanInterMessageMs);
    if (a.errors != b.errors)
        diffs << QStringLiteral("errors %1 != %2").arg(a.errors).arg(b.errors);
    if (a.reconnects != b.reconnects)
        diffs << QStringLiteral("reconnects %1 != %2").arg(a.reconnects).arg(b.reconnects);
    if (withHistogram && a.interMessageSamples != b.interMessageSamples)
        diffs << QStringLiteral("samples %1 != %2").arg(a.interMessageSamples).arg(b.interMessageSamples);
    if (withHistogram && a.latency != b.latency)
        diffs << QStringLiteral("histograms differ");
    return diffs.join(QStringLiteral("; "));
}

QString percentilesMismatch(const LatencyPercentiles &a, const LatencyPercentiles &b)
{
    if (same(a.p50Ms, b.p50Ms) && same(a.p90Ms, b.p90Ms) && same(a.p99Ms, b.p99Ms) && same(a.maxMs, b.maxMs))
        return QString();
    return QStringLiteral("percentiles %1/%2/%3/%4 != %5/%6/%7/%8")
        .arg(a.p50Ms).arg(a.p90Ms).arg(a.p99Ms).arg(a.maxMs)
        .arg(b.p50Ms).arg(b.p90Ms).arg(b.p99Ms).arg(b.maxMs);
}

const TransportInterval *findInterval(const QList<TransportInterval> &list, Transport name)
{
    for (const TransportInterval &t : list)
        if (t.transport == name)
            return &t;
    return nullptr;
}

IterationRow row(qint64 iteration, qint64 clients, double interMs, qint64 receipts, double latencyMs)
{
    IterationRow r;
    r.iteration = iteration;
    r.clients = clients;
    r.meanInterMessageMs = interMs;
    r.receipts = receipts;
    r.meanLatencyMs = latencyMs;
    return r;
}

} // namespace

Q_DECLARE_METATYPE(IterationRow)
Q_DECLARE_METATYPE(Table::Column)
Q_DECLARE_METATYPE(IntervalParse::Status)
Q_DECLARE_METATYPE(SummaryParse::Status)

class TestLoadReport : public QObject
{
    Q_OBJECT

private slots:
    void percentiles();

    void intervalGolden();
    void intervalGoldenForMerge();
    void intervalRoundTrip_data();
    void intervalRoundTrip();
    void badIntervalLine_data();
    void badIntervalLine();
    void mergeWorkerIntervals();

    void summaryGolden();
    void summaryFields();
    void summaryRoundTripAndMerge();
    void badSummaryLine_data();
    void badSummaryLine();
    void table();
    void markdownTable_data();
    void markdownTable();
    void figures_data();
    void figures();

    void csvHeaderText();
    void csv_data();
    void csv();
    void csvReadBack();
    void csvBad_data();
    void csvBad();
};

void TestLoadReport::percentiles()
{
    const LatencyPercentiles p = percentilesOf(tenLatencies());
    QCOMPARE(p.p50Ms, 5.007);
    QCOMPARE(p.p90Ms, 8.991);
    QCOMPARE(p.p99Ms, 250.0);
    QCOMPARE(p.maxMs, 250.0);
    const LatencyPercentiles none = percentilesOf(LatencyHistogram());
    QVERIFY(std::isnan(none.p50Ms) && std::isnan(none.p90Ms) && std::isnan(none.p99Ms) && std::isnan(none.maxMs));
}

void TestLoadReport::intervalGolden()
{
    const QByteArray expected =
        R"({"t":1500,"transports":{)"
        R"("ws":{"connected":3,"received":10,"p50":5.007,"p90":8.991,"p99":250.000,"max":250.000,)"
        R"("interMessageMs":100.500,"errors":1,"reconnects":2},)"
        R"("comet":{"connected":2,"received":0,"p50":null,"p90":null,"p99":null,"max":null,)"
        R"("interMessageMs":null,"errors":0,"reconnects":0}}})"
        "\n";
    QCOMPARE(intervalJsonLine(1500, knownInterval()), expected);
    QCOMPARE(intervalJsonLine(1500, knownInterval(), IntervalJson::Public), expected);
    QCOMPARE(intervalJsonLine(0, {}), QByteArray("{\"t\":0,\"transports\":{}}\n"));
}

void TestLoadReport::intervalGoldenForMerge()
{
    const QList<TransportInterval> one = {interval(Transport::WebSocket, 1, 1, histogramOf({5}), kNaN, 0, 0, 0)};
    QCOMPARE(intervalJsonLine(7, one, IntervalJson::ForMerge),
             QByteArray(R"({"t":7,"transports":{"ws":{"connected":1,"received":1,"p50":0.005,"p90":0.005,)"
                        R"("p99":0.005,"max":0.005,"interMessageMs":null,"errors":0,"reconnects":0,)"
                        R"("interMessageSamples":0,"hist":{"b":[5,1],"max":5,"min":5,"n":1,"sub":128,"sum":5}}}})"
                        "\n"));
}

void TestLoadReport::intervalRoundTrip_data()
{
    QTest::addColumn<bool>("forMerge");
    QTest::newRow("public") << false;
    QTest::newRow("for-merge") << true;
}

void TestLoadReport::intervalRoundTrip()
{
    QFETCH(bool, forMerge);
    const QList<TransportInterval> written = knownInterval();
    const QByteArray line = intervalJsonLine(98765, written, forMerge ? IntervalJson::ForMerge : IntervalJson::Public);
    const IntervalParse parse = parseIntervalJsonLine(line);
    QVERIFY2(parse.status == IntervalParse::Status::Ok, qPrintable(parse.error));
    QVERIFY(parse.error.isEmpty());
    QCOMPARE(parse.elapsedMs, qint64(98765));
    QCOMPARE(parse.transports.size(), qsizetype(2));
    // Name order: comet, then ws.
    const QList<TransportInterval> byName = {written.at(1), written.at(0)};
    for (int i = 0; i < 2; ++i) {
        const ParsedTransportInterval &parsed = parse.transports.at(i);
        const QString diff = intervalMismatch(parsed.interval, byName.at(i), forMerge);
        QVERIFY2(diff.isEmpty(), qPrintable(transportName(byName.at(i).transport) + QLatin1String(": ") + diff));
        QCOMPARE(parsed.hasHistogram, forMerge);
        const QString pdiff = percentilesMismatch(parsed.percentiles, percentilesOf(byName.at(i).latency));
        QVERIFY2(pdiff.isEmpty(), qPrintable(pdiff));
        if (!forMerge) {
            QVERIFY(parsed.interval.latency.isEmpty());
            QCOMPARE(parsed.interval.interMessageSamples, qint64(0));
        }
    }
    // Writing what was read gives the same line (in name order).
    QList<TransportInterval> again;
    for (const ParsedTransportInterval &parsed : parse.transports)
        again.append(parsed.interval);
    if (forMerge)
        QCOMPARE(intervalJsonLine(98765, again, IntervalJson::ForMerge),
                 intervalJsonLine(98765, byName, IntervalJson::ForMerge));
}

void TestLoadReport::badIntervalLine_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<IntervalParse::Status>("status");

    using S = IntervalParse::Status;
    const QByteArray ws = R"("connected":1,"received":2,"p50":1,"p90":1,"p99":1,"max":1,"interMessageMs":null,"errors":0,"reconnects":0)";
    QTest::newRow("not-json") << QByteArray("{\"t\":") << S::BadJson;
    QTest::newRow("array") << QByteArray("[1,2]") << S::BadJson;
    QTest::newRow("no-t") << QByteArray(R"({"transports":{}})") << S::BadField;
    QTest::newRow("fractional-t") << QByteArray(R"({"t":1.5,"transports":{}})") << S::BadField;
    QTest::newRow("no-transports") << QByteArray(R"({"t":1})") << S::BadField;
    QTest::newRow("transports-array") << QByteArray(R"({"t":1,"transports":[]})") << S::BadField;
    QTest::newRow("transport-not-object") << QByteArray(R"({"t":1,"transports":{"ws":3}})") << S::BadField;
    QTest::newRow("unknown-transport") << QByteArray(R"({"t":1,"transports":{"smoke-signal":{)" + ws + "}}}") << S::BadField;
    QTest::newRow("negative-received")
        << QByteArray(R"({"t":1,"transports":{"ws":{)" + QByteArray(ws).replace("\"received\":2", "\"received\":-2") + "}}}")
        << S::BadField;
    QTest::newRow("missing-errors")
        << QByteArray(R"({"t":1,"transports":{"ws":{)" + QByteArray(ws).replace(",\"errors\":0", "") + "}}}") << S::BadField;
    QTest::newRow("p50-string")
        << QByteArray(R"({"t":1,"transports":{"ws":{)" + QByteArray(ws).replace("\"p50\":1", "\"p50\":\"1\"") + "}}}")
        << S::BadField;
    QTest::newRow("missing-p99")
        << QByteArray(R"({"t":1,"transports":{"ws":{)" + QByteArray(ws).replace("\"p99\":1,", "") + "}}}") << S::BadField;
    QTest::newRow("bad-hist")
        << QByteArray(R"({"t":1,"transports":{"ws":{)" + ws + R"(,"hist":{"n":1}}}})") << S::BadField;
    QTest::newRow("bad-samples")
        << QByteArray(R"({"t":1,"transports":{"ws":{)" + ws + R"(,"interMessageSamples":-1}}})") << S::BadField;
    // The good line the bad ones were made from, so the table itself is checked.
    QTest::newRow("good") << QByteArray(R"({"t":1,"transports":{"ws":{)" + ws + "}}}") << S::Ok;
}

void TestLoadReport::badIntervalLine()
{
    QFETCH(QByteArray, line);
    QFETCH(IntervalParse::Status, status);
    const IntervalParse parse = parseIntervalJsonLine(line);
    QVERIFY2(parse.status == status, qPrintable(QStringLiteral("status %1, expected %2 (%3)")
                                                   .arg(int(parse.status)).arg(int(status)).arg(parse.error)));
    if (status == IntervalParse::Status::Ok) {
        QCOMPARE(parse.transports.size(), qsizetype(1));
        return;
    }
    QVERIFY(!parse.error.isEmpty());
    QVERIFY(parse.transports.isEmpty());
}

void TestLoadReport::mergeWorkerIntervals()
{
    const QList<TransportInterval> workerA = {
        interval(Transport::WebSocket, 2, 4, histogramOf({1000, 2000, 3000, 250000}), 100, 2, 1, 0),
        interval(Transport::Comet, 1, 0, LatencyHistogram(), kNaN, 0, 0, 1),
    };
    const QList<TransportInterval> workerB = {
        interval(Transport::Comet, 2, 0, LatencyHistogram(), kNaN, 0, 3, 0),
        interval(Transport::WebSocket, 1, 6, histogramOf({4000, 5000, 6000, 7000, 8000, 9000}), 110, 3, 0, 2),
    };
    const QList<TransportInterval> expected = {
        interval(Transport::WebSocket, 3, 10, tenLatencies(), (100 * 2 + 110 * 3) / 5.0, 5, 1, 2),
        interval(Transport::Comet, 3, 0, LatencyHistogram(), kNaN, 0, 3, 1),
    };

    // In process: transports in order of first appearance.
    const QList<TransportInterval> merged = mergeIntervals({workerA, workerB});
    QCOMPARE(merged.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const QString diff = intervalMismatch(merged.at(i), expected.at(i), true);
        QVERIFY2(diff.isEmpty(), qPrintable(transportName(expected.at(i).transport) + QLatin1String(": ") + diff));
    }
    QCOMPARE(intervalJsonLine(2000, merged), intervalJsonLine(2000, expected));

    // As the parent does it: worker lines, parsed, merged, written again.
    QList<QList<TransportInterval>> received;
    for (const QList<TransportInterval> &worker : {workerA, workerB}) {
        const IntervalParse parse = parseIntervalJsonLine(intervalJsonLine(2000, worker, IntervalJson::ForMerge));
        QVERIFY2(parse.status == IntervalParse::Status::Ok, qPrintable(parse.error));
        QList<TransportInterval> intervals;
        for (const ParsedTransportInterval &parsed : parse.transports)
            intervals.append(parsed.interval);
        received.append(intervals);
    }
    const QList<TransportInterval> parentMerged = mergeIntervals(received);
    QCOMPARE(parentMerged.size(), expected.size());
    for (const TransportInterval &e : expected) {
        const TransportInterval *actual = findInterval(parentMerged, e.transport);
        QVERIFY2(actual, qPrintable(transportName(e.transport)));
        const QString diff = intervalMismatch(*actual, e, true);
        QVERIFY2(diff.isEmpty(), qPrintable(transportName(e.transport) + QLatin1String(": ") + diff));
    }

    QVERIFY(mergeIntervals({}).isEmpty());
}

void TestLoadReport::summaryGolden()
{
    QCOMPARE(summaryJson(60000, knownSummary()),
             QByteArray(R"({"summary":{"t":60000,"transports":{)"
                        R"("ws":{"clients":3,"expected":300,"delivered":297,"lost":3,"duplicated":1,"outOfOrder":2,)"
                        R"("reconnects":4,"errors":5,"latencyMean":29.500,"p50":5.007,"p90":8.991,"p99":250.000,)"
                        R"("max":250.000,"interMessageMs":100.250,"throughputPerSec":1234.568,"clientCpuSeconds":1.500},)"
                        R"("comet":{"clients":2,"expected":200,"delivered":200,"lost":0,"duplicated":0,"outOfOrder":0,)"
                        R"("reconnects":0,"errors":0,"latencyMean":null,"p50":null,"p90":null,"p99":null,"max":null,)"
                        R"("interMessageMs":null,"throughputPerSec":0.000,"clientCpuSeconds":0.250}}}})"
                        "\n"));
}

void TestLoadReport::summaryFields()
{
    // Any JSON reader sees the documented fields with their values.
    const QByteArray line = summaryJson(60000, knownSummary());
    QVERIFY(line.endsWith('\n'));
    QCOMPARE(line.count('\n'), qsizetype(1));
    const QJsonDocument doc = QJsonDocument::fromJson(line);
    QVERIFY(doc.isObject());
    const QJsonObject summary = doc.object().value(QLatin1String("summary")).toObject();
    QCOMPARE(summary.value(QLatin1String("t")).toInteger(), qint64(60000));
    const QJsonObject ws = summary.value(QLatin1String("transports")).toObject().value(QLatin1String("ws")).toObject();
    const QList<QPair<const char *, double>> fields = {
        {"clients", 3},     {"expected", 300},          {"delivered", 297},
        {"lost", 3},        {"duplicated", 1},          {"outOfOrder", 2},
        {"reconnects", 4},  {"errors", 5},              {"latencyMean", 29.5},
        {"p50", 5.007},     {"p90", 8.991},             {"p99", 250},
        {"max", 250},       {"interMessageMs", 100.25}, {"throughputPerSec", 1234.568},
        {"clientCpuSeconds", 1.5},
    };
    QCOMPARE(ws.size(), qsizetype(fields.size()));
    for (const auto &[key, value] : fields) {
        QVERIFY2(ws.value(QLatin1String(key)).isDouble(), key);
        QVERIFY2(same(ws.value(QLatin1String(key)).toDouble(), value), key);
    }
    const QJsonObject comet = summary.value(QLatin1String("transports")).toObject().value(QLatin1String("comet")).toObject();
    QVERIFY(comet.value(QLatin1String("p50")).isNull());
    QVERIFY(comet.value(QLatin1String("interMessageMs")).isNull());
    QCOMPARE(comet.value(QLatin1String("clientCpuSeconds")).toDouble(), 0.25);
    QVERIFY(!ws.contains(QLatin1String("hist")));

    const QJsonObject withHist = QJsonDocument::fromJson(summaryJson(1, knownSummary(), SummaryJson::ForMerge))
                                     .object()
                                     .value(QLatin1String("summary")).toObject()
                                     .value(QLatin1String("transports")).toObject()
                                     .value(QLatin1String("ws")).toObject();
    QCOMPARE(withHist.value(QLatin1String("hist")).toObject(), tenLatencies().toJson());
}

void TestLoadReport::summaryRoundTripAndMerge()
{
    const QList<TransportSummary> written = knownSummary();
    for (const SummaryJson detail : {SummaryJson::Public, SummaryJson::ForMerge}) {
        const SummaryParse parse = parseSummaryJson(summaryJson(60000, written, detail));
        QVERIFY2(parse.status == SummaryParse::Status::Ok, qPrintable(parse.error));
        QCOMPARE(parse.elapsedMs, qint64(60000));
        QCOMPARE(parse.transports.size(), qsizetype(2));
        const ParsedTransportSummary &ws = parse.transports.at(1); // name order: comet, ws
        QCOMPARE(ws.summary.transport, Transport::WebSocket);
        QCOMPARE(ws.summary.clients, 3);
        QCOMPARE(ws.summary.expected, qint64(300));
        QCOMPARE(ws.summary.delivered, qint64(297));
        QCOMPARE(ws.summary.lost, qint64(3));
        QCOMPARE(ws.summary.duplicated, qint64(1));
        QCOMPARE(ws.summary.outOfOrder, qint64(2));
        QCOMPARE(ws.summary.reconnects, qint64(4));
        QCOMPARE(ws.summary.errors, qint64(5));
        QCOMPARE(ws.summary.meanInterMessageMs, 100.25);
        QCOMPARE(ws.summary.throughputPerSec, 1234.568); // as written: 3 decimals
        QCOMPARE(ws.summary.clientCpuSeconds, 1.5);
        QCOMPARE(ws.latencyMeanMs, 29.5);
        QVERIFY(percentilesMismatch(ws.percentiles, percentilesOf(tenLatencies())).isEmpty());
        QCOMPARE(ws.hasHistogram, detail == SummaryJson::ForMerge);
        QVERIFY(detail == SummaryJson::ForMerge ? ws.summary.latency == tenLatencies() : ws.summary.latency.isEmpty());
        const ParsedTransportSummary &comet = parse.transports.at(0);
        QCOMPARE(comet.summary.transport, Transport::Comet);
        QVERIFY(std::isnan(comet.latencyMeanMs));
        QVERIFY(std::isnan(comet.summary.meanInterMessageMs));
        QVERIFY(std::isnan(comet.percentiles.p50Ms));
    }

    // Two workers' summaries of the same run.
    const QList<TransportSummary> workerA = {
        summary(Transport::WebSocket, 1, 100, 99, 1, 0, 1, 1, 2, histogramOf({1000, 2000, 3000, 250000}), 90, 400, 0.5)};
    const QList<TransportSummary> workerB = {
        summary(Transport::Comet, 2, 200, 200, 0, 0, 0, 0, 0, LatencyHistogram(), kNaN, 0, 0.25),
        summary(Transport::WebSocket, 2, 200, 198, 2, 1, 1, 3, 3, histogramOf({4000, 5000, 6000, 7000, 8000, 9000}), 105.375,
                834.5678, 1.0)};
    const QList<TransportSummary> merged = mergeSummaries({workerA, workerB});
    QCOMPARE(merged.size(), qsizetype(2));
    QCOMPARE(merged.at(0).transport, Transport::WebSocket);
    QCOMPARE(merged.at(1).transport, Transport::Comet);
    // Clients weigh the inter-message means: (90 * 1 + 105.375 * 2) / 3 = 100.25.
    QCOMPARE(summaryJson(60000, merged), summaryJson(60000, knownSummary()));
}

void TestLoadReport::badSummaryLine_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<SummaryParse::Status>("status");

    using S = SummaryParse::Status;
    const QByteArray good = summaryJson(5, knownSummary());
    QTest::newRow("good") << good << S::Ok;
    QTest::newRow("truncated") << good.left(good.size() / 2) << S::BadJson;
    QTest::newRow("interval-line") << intervalJsonLine(5, knownInterval()) << S::BadField;
    QTest::newRow("no-t") << QByteArray(good).replace("\"t\":5,", "") << S::BadField;
    QTest::newRow("unknown-transport") << QByteArray(good).replace("\"comet\":", "\"telegraph\":") << S::BadField;
    QTest::newRow("missing-lost") << QByteArray(good).replace("\"lost\":3,", "") << S::BadField;
    QTest::newRow("negative-delivered") << QByteArray(good).replace("\"delivered\":297", "\"delivered\":-1") << S::BadField;
    QTest::newRow("throughput-string") << QByteArray(good).replace("\"throughputPerSec\":0.000", "\"throughputPerSec\":\"0\"")
                                       << S::BadField;
    QTest::newRow("bad-hist") << QByteArray(good).replace("\"clientCpuSeconds\":1.500", "\"clientCpuSeconds\":1.5,\"hist\":[]")
                              << S::BadField;
}

void TestLoadReport::badSummaryLine()
{
    QFETCH(QByteArray, line);
    QFETCH(SummaryParse::Status, status);
    const SummaryParse parse = parseSummaryJson(line);
    QVERIFY2(parse.status == status, qPrintable(QStringLiteral("status %1, expected %2 (%3)")
                                                   .arg(int(parse.status)).arg(int(status)).arg(parse.error)));
    QCOMPARE(parse.error.isEmpty(), status == SummaryParse::Status::Ok);
    QCOMPARE(parse.transports.isEmpty(), status != SummaryParse::Status::Ok);
}

namespace {

// The cells of a Markdown table line ("| a | b |" -> {"a", "b"}), trimmed.
QStringList cells(const QString &line)
{
    QStringList parts = line.split(QLatin1Char('|'));
    if (parts.size() < 2)
        return {};
    parts = parts.mid(1, parts.size() - 2);
    for (QString &part : parts)
        part = part.trimmed();
    return parts;
}

} // namespace

void TestLoadReport::table()
{
    const QString table = summaryTable(knownSummary());
    QVERIFY(table.endsWith(QLatin1Char('\n')));
    const QStringList lines = table.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4); // header, alignment, two transports
    QCOMPARE(cells(lines.at(0)), QStringList({"transport", "clients", "expected", "delivered", "lost", "dup", "ooo", "reconn",
                                              "errors", "mean ms", "p50 ms", "p90 ms", "p99 ms", "max ms", "inter-msg ms",
                                              "msg/s", "cpu s"}));
    QCOMPARE(cells(lines.at(2)), QStringList({"ws", "3", "300", "297", "3", "1", "2", "4", "5", "29.50", "5.01", "8.99", "250.00",
                                              "250.00", "100.25", "1234.6", "1.50"}));
    QCOMPARE(cells(lines.at(3)), QStringList({"comet", "2", "200", "200", "0", "0", "0", "0", "0", "n/a", "n/a", "n/a", "n/a",
                                              "n/a", "n/a", "0.0", "0.25"}));
}

void TestLoadReport::markdownTable_data()
{
    using A = Table::Align;
    QTest::addColumn<QList<Table::Column>>("columns");
    QTest::addColumn<QList<QStringList>>("rows");
    QTest::addColumn<QString>("expected");

    QTest::newRow("padded-to-the-widest")
        << QList<Table::Column>{{QStringLiteral("name"), A::Left}, {QStringLiteral("n")}}
        << QList<QStringList>{{"ws", "12345"}, {"comet", "7"}}
        << QStringLiteral("| name  |     n |\n| ----- | ----: |\n| ws    | 12345 |\n| comet |     7 |");
    // The alignment row needs three characters, whatever the column's width.
    QTest::newRow("narrow-columns-are-3-wide")
        << QList<Table::Column>{{QStringLiteral("a"), A::Left}, {QStringLiteral("b")}}
        << QList<QStringList>{{"x", "1"}}
        << QStringLiteral("| a   |   b |\n| --- | --: |\n| x   |   1 |");
    QTest::newRow("missing-cells-are-empty-extra-dropped")
        << QList<Table::Column>{{QStringLiteral("one"), A::Left}, {QStringLiteral("two")}}
        << QList<QStringList>{{"a"}, {"b", "2", "dropped"}}
        << QStringLiteral("| one | two |\n| --- | --: |\n| a   |     |\n| b   |   2 |");
    QTest::newRow("no-rows")
        << QList<Table::Column>{{QStringLiteral("only"), A::Right}}
        << QList<QStringList>{}
        << QStringLiteral("| only |\n| ---: |");
}

void TestLoadReport::markdownTable()
{
    QFETCH(QList<Table::Column>, columns);
    QFETCH(QList<QStringList>, rows);
    QFETCH(QString, expected);
    Table table(columns);
    for (const QStringList &row : rows)
        table.addRow(row);
    QCOMPARE(table.rowCount(), int(rows.size()));
    QCOMPARE(table.toMarkdown(), expected);
}

void TestLoadReport::figures_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<int>("decimals");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QJsonValue>("json");

    QTest::newRow("rounded") << 2.345 << 2 << QStringLiteral("2.35") << QJsonValue(2.345);
    QTest::newRow("no-minus-zero") << -0.0001 << 2 << QStringLiteral("0.00") << QJsonValue(-0.0001);
    QTest::newRow("nan") << kNaN << 2 << QStringLiteral("n/a") << QJsonValue();
    QTest::newRow("infinite") << std::numeric_limits<double>::infinity() << 1 << QStringLiteral("n/a") << QJsonValue();
}

void TestLoadReport::figures()
{
    QFETCH(double, value);
    QFETCH(int, decimals);
    QFETCH(QString, text);
    QFETCH(QJsonValue, json);
    QCOMPARE(figure(value, decimals), text);
    QCOMPARE(jsonFigure(value), json);
    QCOMPARE(ratio(value, 2), std::isfinite(value) ? value / 2 : kNaN);
}

void TestLoadReport::csvHeaderText()
{
    QCOMPARE(csvHeader(), QByteArray("iteration,transport,mean_inter_message_ms,mean_latency_ms,clients\n"));
}

void TestLoadReport::csv_data()
{
    QTest::addColumn<QString>("transport");
    QTest::addColumn<QList<IterationRow>>("rows");
    QTest::addColumn<QByteArray>("expected");

    const QList<IterationRow> thesis = {row(0, 0, kNaN, 3, 7), row(1, 2, 110, 2, 5), row(2, 2, 130, 3, 4),
                                        row(3, 3, 280.0 / 3, 3, 2)};
    QTest::newRow("thesis") << "ws" << thesis
                            << QByteArray("0,ws,,7.000,0\n1,ws,110.000,5.000,2\n2,ws,130.000,4.000,2\n3,ws,93.333,2.000,3\n");
    QTest::newRow("no-latency") << "comet" << QList<IterationRow>{row(12, 1, 0.0004, 0, kNaN)}
                                << QByteArray("12,comet,0.000,,1\n");
    QTest::newRow("negative-latency-rounds") << "comet" << QList<IterationRow>{row(1, 1, 1.0006, 1, -0.25)}
                                             << QByteArray("1,comet,1.001,-0.250,1\n");
    QTest::newRow("empty") << "ws" << QList<IterationRow>{} << QByteArray();
}

void TestLoadReport::csv()
{
    QFETCH(QString, transport);
    QFETCH(QList<IterationRow>, rows);
    QFETCH(QByteArray, expected);
    QCOMPARE(csvRows(*duplex::protocol::transportFromName(transport), rows), expected);
}

void TestLoadReport::csvReadBack()
{
    IterationRow a;
    a.iteration = 0;
    a.clients = 0;
    a.meanLatencyMs = 2.5; // no inter-message time on the first iteration: NaN
    IterationRow b;
    b.iteration = 1;
    b.clients = 3;
    b.meanInterMessageMs = 10.25;
    b.meanLatencyMs = 3.125;
    const QByteArray text = csvHeader() + csvRows(Transport::WebSocket, {a, b}) + csvRows(Transport::Comet, {b});
    const CsvParse parsed = parseCsv(text);
    QVERIFY2(parsed.status == CsvParse::Status::Ok, qPrintable(parsed.error));
    QCOMPARE(parsed.transports.size(), 2);
    QCOMPARE(parsed.transports.at(0).first, Transport::WebSocket);
    QCOMPARE(parsed.transports.at(1).first, Transport::Comet);
    const QList<IterationRow> &ws = parsed.transports.at(0).second;
    QCOMPARE(ws.size(), 2);
    QVERIFY(std::isnan(ws.at(0).meanInterMessageMs));
    QCOMPARE(ws.at(0).meanLatencyMs, 2.5);
    QCOMPARE(ws.at(1).iteration, qint64(1));
    QCOMPARE(ws.at(1).clients, qint64(3));
    QCOMPARE(ws.at(1).meanInterMessageMs, 10.25);
    QCOMPARE(parsed.transports.at(1).second.size(), 1);
}

void TestLoadReport::csvBad_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("other-header") << QByteArray("a,b,c\n1,2,3\n");
    QTest::newRow("short-row") << (csvHeader() + "1,ws,2\n");
    QTest::newRow("text-cell") << (csvHeader() + "1,ws,x,2,3\n");
    QTest::newRow("unknown-transport") << (csvHeader() + "1,ws,2,3,1\n1,carrier-pigeon,2,3,1\n");
}

void TestLoadReport::csvBad()
{
    QFETCH(QByteArray, text);
    const CsvParse parsed = parseCsv(text);
    QCOMPARE(parsed.status, CsvParse::Status::Bad);
    QVERIFY(!parsed.error.isEmpty());
}

QTEST_GUILESS_MAIN(TestLoadReport)
#include "tst_loadreport.moc"
