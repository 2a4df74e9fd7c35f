// Unit tests of the load generator's accounting: core/load/payload, latencyhistogram,
// sequencetracker and intermessageseries.

#include "load/intermessageseries.h"
#include "load/latencyhistogram.h"
#include "load/payload.h"
#include "load/sequencetracker.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>

using namespace duplex::load;

namespace {

struct Receipt
{
    int client = 0;
    qint64 iteration = 0;
    double receivedMs = 0;
    double latencyMs = 0;
};

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

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Equal within 1e-9 relative, and NaN equals NaN ("there is none" on both sides).
bool same(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

QString describe(const IterationRow &r)
{
    return QStringLiteral("{it %1, clients %2, inter %3 ms, receipts %4, latency %5 ms}")
        .arg(r.iteration)
        .arg(r.clients)
        .arg(r.meanInterMessageMs)
        .arg(r.receipts)
        .arg(r.meanLatencyMs);
}

QString rowsMismatch(const QList<IterationRow> &actual, const QList<IterationRow> &expected)
{
    if (actual.size() != expected.size())
        return QStringLiteral("%1 rows, expected %2").arg(actual.size()).arg(expected.size());
    for (qsizetype i = 0; i < actual.size(); ++i) {
        const IterationRow &a = actual.at(i);
        const IterationRow &e = expected.at(i);
        if (a.iteration != e.iteration || a.clients != e.clients || a.receipts != e.receipts
            || !same(a.meanInterMessageMs, e.meanInterMessageMs) || !same(a.meanLatencyMs, e.meanLatencyMs))
            return QStringLiteral("row %1 is %2, expected %3").arg(i).arg(describe(a), describe(e));
    }
    return QString();
}

InterMessageSeries seriesOf(const QList<Receipt> &receipts, const std::function<bool(int)> &keep = {})
{
    InterMessageSeries series;
    for (const Receipt &r : receipts) {
        if (!keep || keep(r.client))
            series.recordReceipt(r.client, r.iteration, qint64(std::llround(r.receivedMs * 1000)),
                                 qint64(std::llround(r.latencyMs * 1000)));
    }
    return series;
}

// 3 clients, 4 iterations, times in ms; client 2 misses iteration 1.
//   client 0: 0, 100, 250, 300  -> deltas 100, 150, 50   (mean 100)
//   client 1: 10, 130, 240, 400 -> deltas 120, 110, 160  (mean 130)
//   client 2: 20, -, 260, 330   -> delta 70 at iteration 3 only (mean 70)
// iteration 1: (100+120)/2 = 110; 2: (150+110)/2 = 130; 3: (50+160+70)/3 = 93.333...
// overall (110+130+93.333)/3 = 111.111...; clients' means 100, 130, 70: stddev sqrt(600).
QList<Receipt> thesisReceipts()
{
    return {
        {0, 0, 0, 5},   {1, 0, 10, 7},  {2, 0, 20, 9},
        {0, 1, 100, 4}, {1, 1, 130, 6},
        {1, 2, 240, 3}, {0, 2, 250, 3}, {2, 2, 260, 6},
        {0, 3, 300, 1}, {2, 3, 330, 3}, {1, 3, 400, 2},
    };
}

// Nearest rank, as LatencyHistogram documents it.
qint64 exactPercentile(const std::vector<qint64> &sorted, double p)
{
    if (p <= 0)
        return sorted.front();
    if (p >= 100)
        return sorted.back();
    const qint64 n = qint64(sorted.size());
    const qint64 rank = std::clamp<qint64>(qint64(std::ceil(p * double(n) / 100.0 - 1e-9)), 1, n);
    return sorted[size_t(rank - 1)];
}

std::vector<qint64> values(const QList<qint64> &list)
{
    return std::vector<qint64>(list.begin(), list.end());
}

LatencyHistogram histogramOf(const QList<qint64> &list)
{
    LatencyHistogram h;
    for (qint64 v : list)
        h.record(v);
    return h;
}

QJsonObject object(const char *json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        qFatal("bad JSON in the test itself: %s", json);
    return doc.object();
}

} // namespace

Q_DECLARE_METATYPE(Receipt)
Q_DECLARE_METATYPE(IterationRow)

class TestLoadStats : public QObject
{
    Q_OBJECT

private slots:
    void payloadRoundTrip_data();
    void payloadRoundTrip();
    void payloadExactText();
    void payloadBelowMinimumSize();
    void badPayload_data();
    void badPayload();
    void latency_data();
    void latency();
    void latencyThroughPayload();
    void nowMicros();

    void bucketLayout();
    void percentiles_data();
    void percentiles();
    void histogramClamp();
    void histogramEmpty();
    void histogramCountBelow();
    void histogramMerge_data();
    void histogramMerge();
    void histogramJsonRoundTrip_data();
    void histogramJsonRoundTrip();
    void histogramBadJson_data();
    void histogramBadJson();

    void sequence_data();
    void sequence();
    void sequenceHugeGap();

    void series_data();
    void series();
    void seriesInterval();
    void seriesMerge();
    void seriesBadJson_data();
    void seriesBadJson();
};

// --- payload ---------------------------------------------------------------------------

void TestLoadStats::payloadRoundTrip_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("publisher");
    QTest::addColumn<qint64>("counter");
    QTest::addColumn<qint64>("sentUs");

    QTest::newRow("16") << 16 << 0 << qint64(0) << qint64(0);
    QTest::newRow("17") << 17 << 7 << qint64(1) << qint64(123456789);
    QTest::newRow("100") << 100 << 35 << qint64(4242) << qint64(1764000000123456);
    QTest::newRow("1000") << 1000 << 1295 << kCounterLimit - 1 << kSentModulus - 1;
    QTest::newRow("100-counter-36") << 100 << 36 << qint64(36) << qint64(36);
}

void TestLoadStats::payloadRoundTrip()
{
    QFETCH(int, size);
    QFETCH(int, publisher);
    QFETCH(qint64, counter);
    QFETCH(qint64, sentUs);

    const Payload payload{publisher, counter, sentUs};
    const QString text = encodePayload(payload, size);
    QCOMPARE(text.size(), qsizetype(size));
    // The header is ASCII, every filler character two bytes: size characters, more bytes.
    QCOMPARE(text.toUtf8().size(), qsizetype(kMinPayloadSize + 2 * (size - kMinPayloadSize)));
    for (int i = kMinPayloadSize; i < size; ++i)
        QVERIFY2(text.at(i).unicode() > 0x7f, qPrintable(QStringLiteral("character %1 is ASCII").arg(i)));

    const PayloadParse parse = decodePayload(text);
    QVERIFY2(parse.status == PayloadParse::Status::Ok, qPrintable(parse.error));
    QVERIFY(parse.error.isEmpty());
    QCOMPARE(parse.size, size);
    QCOMPARE(parse.payload.publisher, publisher);
    QCOMPARE(parse.payload.counter, counter);
    QCOMPARE(parse.payload.sentUs, sentUs % kSentModulus);
    QCOMPARE(encodePayload(parse.payload, size), text);
}

void TestLoadStats::payloadExactText()
{
    // 36 µs = "10", publisher 1 = "01", counter 35 = "z", then а, б, в.
    QCOMPARE(encodePayload(Payload{1, 35, 36}, 19), QString::fromUtf8("0000001001" "00000z" "абв"));
    QCOMPARE(encodePayload(Payload{0, 0, kSentModulus + 1}, 16), QStringLiteral("0000000100000000"));
    // The filler cycles through the 32 letters а..я.
    const QString long_ = encodePayload(Payload{}, 16 + 33);
    QCOMPARE(long_.mid(16 + 31, 2), QString::fromUtf8("яа"));
}

void TestLoadStats::payloadBelowMinimumSize()
{
    QCOMPARE(encodePayload(Payload{2, 3, 4}, 0).size(), qsizetype(kMinPayloadSize));
    QCOMPARE(encodePayload(Payload{2, 3, 4}, 15).size(), qsizetype(kMinPayloadSize));
}

void TestLoadStats::badPayload_data()
{
    QTest::addColumn<QString>("text");

    const QString good = encodePayload(Payload{3, 77, 1764000000123456}, 40);
    QTest::newRow("empty") << QString();
    QTest::newRow("short") << good.left(15);
    QTest::newRow("upper-case-digit") << QString(good).replace(0, 1, QLatin1Char('A'));
    QTest::newRow("dash-in-counter") << QString(good).replace(12, 1, QLatin1Char('-'));
    QTest::newRow("space-in-publisher") << QString(good).replace(8, 1, QLatin1Char(' '));
    QTest::newRow("cyrillic-in-header") << QString(good).replace(3, 1, QChar(0x0430));
    QTest::newRow("filler-replaced") << QString(good).replace(20, 1, QLatin1Char('x'));
    QTest::newRow("filler-shifted") << QString(good).remove(20, 1) + QChar(0x0430);
    // A transport that read the UTF-8 as Latin-1: the header survives, the filler does not.
    QTest::newRow("mangled-utf8") << QString::fromLatin1(good.toUtf8());
}

void TestLoadStats::badPayload()
{
    QFETCH(QString, text);
    const PayloadParse parse = decodePayload(text);
    QCOMPARE(parse.status, PayloadParse::Status::Bad);
    QVERIFY(!parse.error.isEmpty());
    QCOMPARE(parse.size, int(text.size()));
}

void TestLoadStats::latency_data()
{
    QTest::addColumn<qint64>("sentUsMod");
    QTest::addColumn<qint64>("nowUs");
    QTest::addColumn<qint64>("expected");

    const qint64 now = 1764000000123456;
    QTest::newRow("plain") << (now - 1500) % kSentModulus << now << qint64(1500);
    QTest::newRow("zero") << now % kSentModulus << now << qint64(0);
    QTest::newRow("across-the-wrap") << kSentModulus - 1000 << 5 * kSentModulus + 500 << qint64(1500);
    QTest::newRow("at-the-wrap") << kSentModulus - 1 << 7 * kSentModulus << qint64(1);
    QTest::newRow("receiver-clock-behind") << (now + 5) % kSentModulus << now << qint64(-5);
    QTest::newRow("an-hour") << (now - 3600000000LL) % kSentModulus << now << qint64(3600000000LL);
    QTest::newRow("fifteen-days") << (now - 15 * 86400000000LL) % kSentModulus << now << 15 * 86400000000LL;
}

void TestLoadStats::latency()
{
    QFETCH(qint64, sentUsMod);
    QFETCH(qint64, nowUs);
    QFETCH(qint64, expected);
    QCOMPARE(latencyUs(sentUsMod, nowUs), expected);
}

void TestLoadStats::latencyThroughPayload()
{
    // Sent just before a multiple of 36^8, received just after: the 8 digits wrapped.
    const qint64 sent = 19 * kSentModulus - 700;
    const PayloadParse parse = decodePayload(encodePayload(Payload{0, 0, sent}, 32));
    QCOMPARE(parse.status, PayloadParse::Status::Ok);
    QCOMPARE(parse.payload.sentUs, kSentModulus - 700);
    QCOMPARE(latencyUs(parse.payload.sentUs, 19 * kSentModulus + 300), qint64(1000));
}

void TestLoadStats::nowMicros()
{
    const qint64 before = QDateTime::currentMSecsSinceEpoch() * 1000;
    const qint64 now = duplex::load::nowMicros();
    const qint64 after = QDateTime::currentMSecsSinceEpoch() * 1000 + 1000;
    QVERIFY2(now >= before && now <= after, qPrintable(QStringLiteral("%1 not in [%2, %3]").arg(now).arg(before).arg(after)));
}

// --- histogram -------------------------------------------------------------------------

void TestLoadStats::bucketLayout()
{
    // 128 exact buckets, 128 per power of two from 2^7 to 2^30, and 2^31..1 h in 2^24 steps.
    QCOMPARE(LatencyHistogram::bucketCount(), 128 + 24 * 128 + int(LatencyHistogram::kMaxTrackedUs >> 24) - 128 + 1);
    QCOMPARE(LatencyHistogram::bucketCount(), 3287);
    QCOMPARE(LatencyHistogram::bucketIndex(0), 0);
    QCOMPARE(LatencyHistogram::bucketIndex(127), 127);
    QCOMPARE(LatencyHistogram::bucketIndex(128), 128);
    QCOMPARE(LatencyHistogram::bucketIndex(LatencyHistogram::kMaxTrackedUs), LatencyHistogram::bucketCount() - 1);
    QCOMPARE(LatencyHistogram::bucketIndex(LatencyHistogram::kMaxTrackedUs * 10), LatencyHistogram::bucketCount() - 1);

    // Every value lies in its bucket, buckets are at most 1/128 of their low end wide, and
    // the buckets tile the range without gaps.
    QRandomGenerator random(7);
    for (int i = 0; i < 200000; ++i) {
        const qint64 v = i < 5000 ? i : qint64(std::exp(random.bounded(std::log(double(LatencyHistogram::kMaxTrackedUs)))));
        const int index = LatencyHistogram::bucketIndex(v);
        const qint64 low = LatencyHistogram::bucketLow(index);
        const qint64 width = LatencyHistogram::bucketWidth(index);
        QVERIFY2(low <= v && v < low + width, qPrintable(QStringLiteral("%1 outside bucket %2").arg(v).arg(index)));
        QVERIFY(index < 128 ? width == 1 : width * 128 <= low);
    }
    for (int index = 1; index < LatencyHistogram::bucketCount(); ++index)
        QCOMPARE(LatencyHistogram::bucketLow(index), LatencyHistogram::bucketLow(index - 1) + LatencyHistogram::bucketWidth(index - 1));
}

void TestLoadStats::percentiles_data()
{
    QTest::addColumn<QList<qint64>>("data");

    QRandomGenerator uniform(1);
    QList<qint64> uniformValues;
    for (int i = 0; i < 10000; ++i)
        uniformValues.append(qint64(uniform.bounded(1000000)));
    QTest::newRow("uniform-0-1s") << uniformValues;

    QRandomGenerator exponential(42);
    QList<qint64> exponentialValues;
    for (int i = 0; i < 20000; ++i)
        exponentialValues.append(qint64(-std::log(1.0 - exponential.generateDouble()) * 5000.0));
    QTest::newRow("exponential-mean-5ms") << exponentialValues;

    QTest::newRow("constant") << QList<qint64>(1000, 4242);

    QList<qint64> spikes(700, 1000);
    spikes += QList<qint64>(300, 900000);
    QTest::newRow("two-spikes") << spikes;

    QList<qint64> small;
    for (int i = 0; i < 128; ++i)
        small += QList<qint64>(i % 5 + 1, i);
    QTest::newRow("small-exact") << small;

    QRandomGenerator wide(3);
    QList<qint64> logUniform;
    for (int i = 0; i < 5000; ++i)
        logUniform.append(qint64(std::exp(wide.bounded(std::log(double(LatencyHistogram::kMaxTrackedUs))))));
    QTest::newRow("log-uniform-to-1h") << logUniform;

    QTest::newRow("single") << QList<qint64>{123456};
}

void TestLoadStats::percentiles()
{
    QFETCH(QList<qint64>, data);
    const LatencyHistogram h = histogramOf(data);
    std::vector<qint64> sorted = values(data);
    std::sort(sorted.begin(), sorted.end());

    QCOMPARE(h.count(), qint64(data.size()));
    QCOMPARE(h.min(), sorted.front());
    QCOMPARE(h.max(), sorted.back());
    qint64 sum = 0;
    for (qint64 v : sorted)
        sum += v;
    QCOMPARE(h.sum(), sum);
    QCOMPARE(h.mean(), double(sum) / double(sorted.size()));

    for (double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
        const qint64 exact = exactPercentile(sorted, p);
        const qint64 estimate = h.percentile(p);
        QVERIFY2(std::abs(estimate - exact) <= exact / 100,
                 qPrintable(QStringLiteral("p%1: %2, exact %3").arg(p).arg(estimate).arg(exact)));
    }
    QCOMPARE(h.percentile(100), sorted.back());
    QCOMPARE(h.percentile(0), sorted.front());
}

void TestLoadStats::histogramClamp()
{
    LatencyHistogram h;
    h.record(1);
    h.record(10 * LatencyHistogram::kMaxTrackedUs);
    h.record(-5); // clock skew: counts as 0
    QCOMPARE(h.count(), qint64(3));
    QCOMPARE(h.min(), qint64(0));
    QCOMPARE(h.max(), 10 * LatencyHistogram::kMaxTrackedUs);
    QCOMPARE(h.sum(), 1 + 10 * LatencyHistogram::kMaxTrackedUs);
    QCOMPARE(h.percentile(50), qint64(1));
    QCOMPARE(h.percentile(100), 10 * LatencyHistogram::kMaxTrackedUs);
    // The clamped value answers from the top bucket.
    const qint64 p99 = h.percentile(99);
    QVERIFY2(p99 <= LatencyHistogram::kMaxTrackedUs && p99 >= LatencyHistogram::kMaxTrackedUs / 128 * 127, qPrintable(QString::number(p99)));
}

void TestLoadStats::histogramEmpty()
{
    LatencyHistogram h;
    QVERIFY(h.isEmpty());
    QCOMPARE(h.count(), qint64(0));
    QCOMPARE(h.min(), qint64(0));
    QCOMPARE(h.max(), qint64(0));
    QCOMPARE(h.mean(), 0.0);
    QCOMPARE(h.percentile(50), qint64(0));
    QCOMPARE(h.percentile(100), qint64(0));
    QCOMPARE(h.toJson(), object(R"({"n":0,"sum":0,"min":0,"max":0,"sub":128,"b":[]})"));

    h.record(50);
    h.record(70);
    h.clear();
    QVERIFY(h.isEmpty());
    QCOMPARE(h.max(), qint64(0));
    QVERIFY(h == LatencyHistogram());
    h.record(9);
    QCOMPARE(h.min(), qint64(9)); // not the 50 from before the clear
    QCOMPARE(h.percentile(50), qint64(9));
}

void TestLoadStats::histogramMerge_data()
{
    percentiles_data();
}

void TestLoadStats::histogramMerge()
{
    QFETCH(QList<qint64>, data);
    const LatencyHistogram whole = histogramOf(data);

    LatencyHistogram parts[3];
    for (qsizetype i = 0; i < data.size(); ++i)
        parts[(i * 7 / 3) % 3].record(data.at(i));
    LatencyHistogram merged;
    merged.merge(LatencyHistogram()); // merging nothing into nothing stays empty
    QVERIFY(merged.isEmpty());
    for (const LatencyHistogram &part : parts)
        merged.merge(part);
    merged.merge(LatencyHistogram()); // an empty one changes nothing, min included
    QVERIFY(merged == whole);
    QCOMPARE(merged.toJson(), whole.toJson());
    QCOMPARE(merged.min(), whole.min());
    QCOMPARE(merged.max(), whole.max());
    for (double p : {1.0, 50.0, 90.0, 99.0})
        QCOMPARE(merged.percentile(p), whole.percentile(p));

    LatencyHistogram other;
    other.record(whole.max() + 1);
    merged.merge(other);
    QVERIFY(merged != whole);
    QCOMPARE(merged.max(), whole.max() + 1);
}

void TestLoadStats::histogramJsonRoundTrip_data()
{
    percentiles_data();
}

void TestLoadStats::histogramJsonRoundTrip()
{
    QFETCH(QList<qint64>, data);
    const LatencyHistogram h = histogramOf(data);
    const QJsonObject json = h.toJson();

    // Only the non-empty buckets travel.
    std::vector<qint64> sorted = values(data);
    std::sort(sorted.begin(), sorted.end());
    QSet<int> used;
    for (qint64 v : sorted)
        used.insert(LatencyHistogram::bucketIndex(v));
    QCOMPARE(json.value(QLatin1String("b")).toArray().size(), qsizetype(2 * used.size()));

    // Through text, as a worker sends it.
    const QByteArray text = QJsonDocument(json).toJson(QJsonDocument::Compact);
    const LatencyHistogramParse parse = LatencyHistogram::fromJson(QJsonDocument::fromJson(text).object());
    QVERIFY2(parse.status == LatencyHistogramParse::Status::Ok, qPrintable(parse.error));
    QVERIFY(parse.histogram == h);
    QCOMPARE(parse.histogram.toJson(), json);
    for (double p : {0.0, 50.0, 99.0, 100.0})
        QCOMPARE(parse.histogram.percentile(p), h.percentile(p));
    QCOMPARE(parse.histogram.mean(), h.mean());
}

void TestLoadStats::histogramBadJson_data()
{
    QTest::addColumn<QByteArray>("json");

    QTest::newRow("empty-object") << QByteArray("{}");
    QTest::newRow("no-buckets") << QByteArray(R"({"n":1,"sum":5,"min":5,"max":5,"sub":128})");
    QTest::newRow("count-mismatch") << QByteArray(R"({"n":2,"sum":5,"min":5,"max":5,"sub":128,"b":[5,1]})");
    QTest::newRow("index-out-of-range") << QByteArray(R"({"n":1,"sum":5,"min":5,"max":5,"sub":128,"b":[3287,1]})");
    QTest::newRow("negative-index") << QByteArray(R"({"n":1,"sum":5,"min":5,"max":5,"sub":128,"b":[-1,1]})");
    QTest::newRow("zero-count") << QByteArray(R"({"n":0,"sum":0,"min":0,"max":0,"sub":128,"b":[5,0]})");
    QTest::newRow("odd-pairs") << QByteArray(R"({"n":1,"sum":5,"min":5,"max":5,"sub":128,"b":[5,1,6]})");
    QTest::newRow("other-layout") << QByteArray(R"({"n":1,"sum":5,"min":5,"max":5,"sub":64,"b":[5,1]})");
    QTest::newRow("min-above-max") << QByteArray(R"({"n":2,"sum":10,"min":6,"max":4,"sub":128,"b":[4,1,6,1]})");
    QTest::newRow("min-outside-buckets") << QByteArray(R"({"n":1,"sum":5,"min":3,"max":5,"sub":128,"b":[5,1]})");
    QTest::newRow("fractional-count") << QByteArray(R"({"n":1.5,"sum":5,"min":5,"max":5,"sub":128,"b":[5,1.5]})");
    QTest::newRow("string-count") << QByteArray(R"({"n":"1","sum":5,"min":5,"max":5,"sub":128,"b":[5,1]})");
}

void TestLoadStats::histogramBadJson()
{
    QFETCH(QByteArray, json);
    const LatencyHistogramParse parse = LatencyHistogram::fromJson(object(json.constData()));
    QCOMPARE(parse.status, LatencyHistogramParse::Status::Bad);
    QVERIFY(!parse.error.isEmpty());
}

// --- sequence tracker ------------------------------------------------------------------

void TestLoadStats::sequence_data()
{
    QTest::addColumn<QList<qint64>>("counters");
    QTest::addColumn<QString>("outcomes"); // N new, D duplicate, O out of order, I invalid
    QTest::addColumn<qint64>("expectedCount");
    QTest::addColumn<qint64>("lost");
    QTest::addColumn<qint64>("received");
    QTest::addColumn<qint64>("duplicates");
    QTest::addColumn<qint64>("outOfOrder");
    QTest::addColumn<int>("holeRuns");

    using L = QList<qint64>;
    QTest::newRow("in-order") << L{0, 1, 2, 3, 4} << "NNNNN" << qint64(5) << qint64(0) << qint64(5) << qint64(0) << qint64(0) << 0;
    QTest::newRow("duplicate") << L{0, 1, 1, 2} << "NNDN" << qint64(3) << qint64(0) << qint64(3) << qint64(1) << qint64(0) << 0;
    QTest::newRow("hole-filled-later") << L{0, 2, 1, 3} << "NNON" << qint64(4) << qint64(0) << qint64(4) << qint64(0) << qint64(1) << 0;
    QTest::newRow("hole-never-filled") << L{0, 1, 3, 4} << "NNNN" << qint64(5) << qint64(1) << qint64(4) << qint64(0) << qint64(0) << 1;
    QTest::newRow("missing-tail") << L{0, 1, 2} << "NNN" << qint64(5) << qint64(2) << qint64(3) << qint64(0) << qint64(0) << 0;
    QTest::newRow("missing-head") << L{1, 2} << "NN" << qint64(3) << qint64(1) << qint64(2) << qint64(0) << qint64(0) << 1;
    QTest::newRow("nothing") << L{} << "" << qint64(3) << qint64(3) << qint64(0) << qint64(0) << qint64(0) << 0;
    QTest::newRow("filled-hole-repeated") << L{0, 2, 1, 1} << "NNOD" << qint64(3) << qint64(0) << qint64(3) << qint64(1) << qint64(1) << 0;
    QTest::newRow("run-split") << L{0, 5, 2} << "NNO" << qint64(6) << qint64(3) << qint64(3) << qint64(0) << qint64(1) << 2;
    QTest::newRow("run-split-then-filled") << L{0, 5, 2, 4, 1, 3} << "NNOOOO" << qint64(6) << qint64(0) << qint64(6) << qint64(0) << qint64(4) << 0;
    QTest::newRow("run-ends-trimmed") << L{0, 6, 1, 5} << "NNOO" << qint64(7) << qint64(3) << qint64(4) << qint64(0) << qint64(2) << 1;
    QTest::newRow("reversed") << L{3, 2, 1, 0} << "NOOO" << qint64(4) << qint64(0) << qint64(4) << qint64(0) << qint64(3) << 0;
    QTest::newRow("duplicate-of-highest") << L{0, 3, 3} << "NND" << qint64(4) << qint64(2) << qint64(2) << qint64(1) << qint64(0) << 1;
    QTest::newRow("negative") << L{0, -1, 1} << "NIN" << qint64(2) << qint64(0) << qint64(2) << qint64(0) << qint64(0) << 0;
    // Only counters below expectedCount can be lost.
    QTest::newRow("holes-above-expected") << L{0, 2, 7} << "NNN" << qint64(3) << qint64(1) << qint64(3) << qint64(0) << qint64(0) << 2;
    QTest::newRow("hole-straddles-expected") << L{0, 9} << "NN" << qint64(4) << qint64(3) << qint64(2) << qint64(0) << qint64(0) << 1;
}

void TestLoadStats::sequence()
{
    QFETCH(QList<qint64>, counters);
    QFETCH(QString, outcomes);
    QFETCH(qint64, expectedCount);
    QFETCH(qint64, lost);
    QFETCH(qint64, received);
    QFETCH(qint64, duplicates);
    QFETCH(qint64, outOfOrder);
    QFETCH(int, holeRuns);

    QCOMPARE(counters.size(), outcomes.size()); // the table itself
    SequenceTracker tracker;
    QString actual;
    for (qint64 counter : counters) {
        switch (tracker.record(counter)) {
        case SequenceTracker::Outcome::New: actual += QLatin1Char('N'); break;
        case SequenceTracker::Outcome::Duplicate: actual += QLatin1Char('D'); break;
        case SequenceTracker::Outcome::OutOfOrder: actual += QLatin1Char('O'); break;
        case SequenceTracker::Outcome::Invalid: actual += QLatin1Char('I'); break;
        }
    }
    QCOMPARE(actual, outcomes);
    QCOMPARE(tracker.lost(expectedCount), lost);
    QCOMPARE(tracker.received(), received);
    QCOMPARE(tracker.duplicates(), duplicates);
    QCOMPARE(tracker.outOfOrder(), outOfOrder);
    QCOMPARE(tracker.holeRuns(), holeRuns);
    QCOMPARE(tracker.invalid(), qint64(outcomes.count(QLatin1Char('I'))));
    // Whatever arrived, distinct counters plus lost ones account for all expected, as
    // long as nothing arrived at or beyond expectedCount.
    if (tracker.highest() < expectedCount)
        QCOMPARE(tracker.received() + tracker.lost(expectedCount), expectedCount);

    tracker.clear();
    QCOMPARE(tracker.highest(), qint64(-1));
    QCOMPARE(tracker.lost(expectedCount), expectedCount);
    QCOMPARE(tracker.received(), qint64(0));
}

void TestLoadStats::histogramCountBelow()
{
    LatencyHistogram h;
    QCOMPARE(h.countBelow(1000), qint64(0));
    for (const qint64 us : {5, 50, 500, 5000, 50000, 500000})
        h.record(us);
    // Exact below 128 µs; above, to the bucket (under 1%): these edges are far from any value.
    QCOMPARE(h.countBelow(0), qint64(0));
    QCOMPARE(h.countBelow(6), qint64(1));
    QCOMPARE(h.countBelow(100), qint64(2));
    QCOMPARE(h.countBelow(1000), qint64(3));
    QCOMPARE(h.countBelow(10000), qint64(4));
    QCOMPARE(h.countBelow(100000), qint64(5));
    QCOMPARE(h.countBelow(10000000), qint64(6));
}

void TestLoadStats::sequenceHugeGap()
{
    // A reconnect that missed a million messages costs one run, not a million entries.
    SequenceTracker tracker;
    QCOMPARE(tracker.record(0), SequenceTracker::Outcome::New);
    QCOMPARE(tracker.record(1000000), SequenceTracker::Outcome::New);
    QCOMPARE(tracker.holeRuns(), 1);
    QCOMPARE(tracker.holes(), qint64(999999));
    QCOMPARE(tracker.record(500000), SequenceTracker::Outcome::OutOfOrder);
    QCOMPARE(tracker.holeRuns(), 2);
    QCOMPARE(tracker.lost(1000001), qint64(999998));
    QCOMPARE(tracker.lost(2000000), qint64(999998 + 999999));
    QCOMPARE(tracker.lost(500001), qint64(499999));
    // Membership, as the load generator asks it about publishes that failed.
    QVERIFY(tracker.contains(0));
    QVERIFY(!tracker.contains(1));
    QVERIFY(!tracker.contains(499999));
    QVERIFY(tracker.contains(500000));
    QVERIFY(!tracker.contains(500001));
    QVERIFY(tracker.contains(1000000));
    QVERIFY(!tracker.contains(1000001));
    QVERIFY(!tracker.contains(-1));
}

// --- inter-message series --------------------------------------------------------------

void TestLoadStats::series_data()
{
    QTest::addColumn<QList<Receipt>>("receipts");
    QTest::addColumn<QList<IterationRow>>("rows");
    QTest::addColumn<double>("overallMs");
    QTest::addColumn<double>("clientStddevMs");
    QTest::addColumn<qint64>("overallClients");

    QTest::newRow("thesis-3-clients-4-iterations")
        << thesisReceipts()
        << QList<IterationRow>{row(0, 0, kNaN, 3, 7), row(1, 2, 110, 2, 5), row(2, 2, 130, 3, 4),
                               row(3, 3, 280.0 / 3, 3, 2)}
        << (110 + 130 + 280.0 / 3) / 3 << std::sqrt(600.0) << qint64(3);

    QTest::newRow("one-client-steady")
        << QList<Receipt>{{5, 0, 1000, 2}, {5, 1, 1050, 2}, {5, 2, 1100, 4}, {5, 3, 1150, 4}}
        << QList<IterationRow>{row(0, 0, kNaN, 1, 2), row(1, 1, 50, 1, 2), row(2, 1, 50, 1, 4), row(3, 1, 50, 1, 4)}
        << 50.0 << 0.0 << qint64(1);

    // Iteration 2 after 0: no delta; iteration 1 arriving late: latency only.
    QTest::newRow("late-receipt-no-delta")
        << QList<Receipt>{{0, 0, 0, 1}, {0, 2, 200, 1}, {0, 1, 150, 50}, {0, 3, 260, 1}}
        << QList<IterationRow>{row(0, 0, kNaN, 1, 1), row(1, 0, kNaN, 1, 50), row(2, 0, kNaN, 1, 1), row(3, 1, 60, 1, 1)}
        << 60.0 << 0.0 << qint64(1);

    QTest::newRow("client-joins-late")
        << QList<Receipt>{{0, 0, 0, 1}, {0, 1, 100, 1}, {0, 2, 200, 1}, {1, 1, 105, 3}, {1, 2, 185, 3}}
        << QList<IterationRow>{row(0, 0, kNaN, 1, 1), row(1, 1, 100, 2, 2), row(2, 2, 90, 2, 2)}
        << 95.0 << 10.0 << qint64(2);

    QTest::newRow("no-deltas-at-all")
        << QList<Receipt>{{0, 0, 0, 1}, {1, 0, 3, 2}}
        << QList<IterationRow>{row(0, 0, kNaN, 2, 1.5)}
        << kNaN << kNaN << qint64(0);

    QTest::newRow("empty") << QList<Receipt>{} << QList<IterationRow>{} << kNaN << kNaN << qint64(0);
}

void TestLoadStats::series()
{
    QFETCH(QList<Receipt>, receipts);
    QFETCH(QList<IterationRow>, rows);
    QFETCH(double, overallMs);
    QFETCH(double, clientStddevMs);
    QFETCH(qint64, overallClients);

    InterMessageSeries series = seriesOf(receipts);
    const QString diff = rowsMismatch(series.rows(), rows);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));

    const InterMessageOverall overall = series.overall();
    QVERIFY2(same(overall.meanMs, overallMs), qPrintable(QStringLiteral("%1 != %2").arg(overall.meanMs).arg(overallMs)));
    QVERIFY2(same(overall.clientStddevMs, clientStddevMs),
             qPrintable(QStringLiteral("%1 != %2").arg(overall.clientStddevMs).arg(clientStddevMs)));
    QCOMPARE(overall.clients, overallClients);
    qint64 iterationsWithDelta = 0;
    for (const IterationRow &r : rows)
        iterationsWithDelta += r.clients > 0 ? 1 : 0;
    QCOMPARE(overall.iterations, iterationsWithDelta);

    // The worker-to-parent form keeps everything the reports use.
    const QByteArray text = QJsonDocument(series.toJson()).toJson(QJsonDocument::Compact);
    const InterMessageSeriesParse parse = InterMessageSeries::fromJson(QJsonDocument::fromJson(text).object());
    QVERIFY2(parse.status == InterMessageSeriesParse::Status::Ok, qPrintable(parse.error));
    QVERIFY(rowsMismatch(parse.series.rows(), rows).isEmpty());
    QVERIFY(same(parse.series.overall().meanMs, overallMs));
    QVERIFY(same(parse.series.overall().clientStddevMs, clientStddevMs));
    QCOMPARE(parse.series.overall().clients, overallClients);

    series.clear();
    QVERIFY(series.rows().isEmpty());
    QCOMPARE(series.overall().clients, qint64(0));
}

void TestLoadStats::seriesInterval()
{
    InterMessageSeries series;
    QCOMPARE(series.takeIntervalMean().samples, qint64(0));
    series.recordReceipt(0, 0, 0, 10);
    series.recordReceipt(0, 1, 100000, 10);
    InterMessageInterval interval = series.takeIntervalMean();
    QCOMPARE(interval.samples, qint64(1));
    QCOMPARE(interval.meanMs, 100.0);

    series.recordReceipt(1, 0, 0, 10);
    series.recordReceipt(1, 1, 300000, 10);
    series.recordReceipt(0, 2, 300000, 10); // 200 ms after client 0's iteration 1
    interval = series.takeIntervalMean();
    QCOMPARE(interval.samples, qint64(2));
    QCOMPARE(interval.meanMs, 250.0);

    interval = series.takeIntervalMean();
    QCOMPARE(interval.samples, qint64(0));
    QVERIFY(std::isnan(interval.meanMs));
    // Taking intervals does not touch the per-iteration figure.
    QCOMPARE(series.rows().size(), qsizetype(3));
    QCOMPARE(series.rows().at(1).clients, qint64(2));
}

void TestLoadStats::seriesMerge()
{
    const QList<Receipt> receipts = thesisReceipts();
    const InterMessageSeries whole = seriesOf(receipts);
    InterMessageSeries workerA = seriesOf(receipts, [](int c) { return c != 1; });
    const InterMessageSeries workerB = seriesOf(receipts, [](int c) { return c == 1; });

    // In process.
    InterMessageSeries merged;
    merged.merge(workerA);
    merged.merge(workerB);
    QString diff = rowsMismatch(merged.rows(), whole.rows());
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
    QVERIFY(same(merged.overall().meanMs, whole.overall().meanMs));
    QVERIFY(same(merged.overall().clientStddevMs, whole.overall().clientStddevMs));
    QCOMPARE(merged.overall().clients, qint64(3));
    QCOMPARE(merged.takeIntervalMean().samples, qint64(7));

    // As a parent does it: each worker's JSON, parsed, merged.
    InterMessageSeries parent;
    for (const InterMessageSeries *worker : QList<const InterMessageSeries *>{&workerA, &workerB}) {
        const QByteArray text = QJsonDocument(worker->toJson()).toJson(QJsonDocument::Compact);
        const InterMessageSeriesParse parse = InterMessageSeries::fromJson(QJsonDocument::fromJson(text).object());
        QVERIFY2(parse.status == InterMessageSeriesParse::Status::Ok, qPrintable(parse.error));
        parent.merge(parse.series);
    }
    diff = rowsMismatch(parent.rows(), whole.rows());
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
    QVERIFY(same(parent.overall().meanMs, whole.overall().meanMs));
    QVERIFY(same(parent.overall().clientStddevMs, whole.overall().clientStddevMs));

    // A worker keeps counting after sending its series: the deltas continue per client.
    workerA.recordReceipt(0, 4, 400000, 1000);
    QCOMPARE(workerA.rows().last().clients, qint64(1));
    QCOMPARE(workerA.rows().last().meanInterMessageMs, 100.0);
}

void TestLoadStats::seriesBadJson_data()
{
    QTest::addColumn<QByteArray>("json");

    const QByteArray tail = R"("cm":{"n":0,"mean":0,"m2":0},"iv":{"n":0,"sum":0})";
    QTest::newRow("empty-object") << QByteArray("{}");
    QTest::newRow("iterations-not-array") << R"({"it":{},)" + tail + '}';
    QTest::newRow("short-entry") << R"({"it":[[0,0,0,1]],)" + tail + '}';
    QTest::newRow("more-deltas-than-receipts") << R"({"it":[[1,2,100,1,5]],)" + tail + '}';
    QTest::newRow("negative-iteration") << R"({"it":[[-1,0,0,1,5]],)" + tail + '}';
    QTest::newRow("repeated-iteration") << R"({"it":[[1,0,0,1,5],[1,0,0,1,5]],)" + tail + '}';
    QTest::newRow("no-client-moments") << QByteArray(R"({"it":[],"iv":{"n":0,"sum":0}})");
    QTest::newRow("negative-m2") << QByteArray(R"({"it":[],"cm":{"n":1,"mean":0,"m2":-1},"iv":{"n":0,"sum":0}})");
    QTest::newRow("no-interval") << QByteArray(R"({"it":[],"cm":{"n":0,"mean":0,"m2":0}})");
}

void TestLoadStats::seriesBadJson()
{
    QFETCH(QByteArray, json);
    const InterMessageSeriesParse parse = InterMessageSeries::fromJson(object(json.constData()));
    QCOMPARE(parse.status, InterMessageSeriesParse::Status::Bad);
    QVERIFY(!parse.error.isEmpty());
}

QTEST_GUILESS_MAIN(TestLoadStats)
#include "tst_loadstats.moc"
