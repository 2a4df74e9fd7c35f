// Unit tests of core/log/channellog.{h,cpp}: sequencing, the capacity bound, `since`
// with gaps and limits, appending events sequenced elsewhere.

#include "log/channellog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using duplex::log::ChannelLog;
using namespace duplex::protocol;

namespace {

Event message(const QString &text)
{
    Event e = Event::published(QStringLiteral("main"), QStringLiteral("c1"), text);
    e.ts = 1764000000000;
    return e;
}

// An event sequenced elsewhere (by the broker), as a node receives it.
Sequenced remote(qint64 seq)
{
    Event e = message(QStringLiteral("remote %1").arg(seq));
    e.seq = seq;
    return Sequenced::from(e);
}

ChannelLog filled(int capacity, int count)
{
    ChannelLog log(capacity);
    for (int i = 1; i <= count; ++i)
        log.sequence(message(QStringLiteral("m%1").arg(i)));
    return log;
}

// The seqs of a range's events, and that each one's JSON says the same seq.
QList<qint64> seqsOf(const ChannelLog::Range &range)
{
    QList<qint64> seqs;
    for (const Sequenced &s : range.events) {
        const qint64 inJson = QJsonDocument::fromJson(s.json).object().value(QStringLiteral("seq")).toInteger(-1);
        seqs << (inJson == s.event.seq ? s.event.seq : -1000 - s.event.seq);
    }
    return seqs;
}

QList<qint64> seqRange(qint64 first, qint64 last)
{
    QList<qint64> seqs;
    for (qint64 s = first; s <= last; ++s)
        seqs << s;
    return seqs;
}

} // namespace

class TestChannelLog : public QObject
{
    Q_OBJECT

private slots:
    void emptyLog();
    void sequenceAssignsConsecutiveSeqs();
    void capacityBound_data();
    void capacityBound();
    void byteBound_data();
    void byteBound();
    void since_data();
    void since();
    void covers_data();
    void covers();
    void appendAcceptsOnlyNext_data();
    void appendAcceptsOnlyNext();
    void appendKeepsBound();
    void resetHeadThenAppend();
    void sequenceAfterResetHead();
};

void TestChannelLog::emptyLog()
{
    ChannelLog log(10);
    QCOMPARE(log.capacity(), 10);
    QCOMPARE(log.head(), qint64(0));
    QCOMPARE(log.size(), 0);
    QCOMPARE(log.firstHeld(), qint64(1));
    QVERIFY(log.covers(0));
    const ChannelLog::Range r = log.since(0);
    QVERIFY(!r.hasGap());
    QVERIFY(r.events.empty());
    QVERIFY(!r.more);

    // A capacity below 1 still keeps the latest event.
    ChannelLog tiny(0);
    QCOMPARE(tiny.capacity(), 1);
    tiny.sequence(message(QStringLiteral("a")));
    tiny.sequence(message(QStringLiteral("b")));
    QCOMPARE(tiny.size(), 1);
    QCOMPARE(tiny.since(0).events.front().event.data.toString(), QStringLiteral("b"));
}

void TestChannelLog::sequenceAssignsConsecutiveSeqs()
{
    ChannelLog log(100);
    for (qint64 i = 1; i <= 5; ++i) {
        Event e = message(QStringLiteral("m%1").arg(i));
        e.seq = 999; // whatever the caller left there is replaced
        const Sequenced &s = log.sequence(e);
        QCOMPARE(s.event.seq, i);
        QCOMPARE(s.event.data.toString(), QStringLiteral("m%1").arg(i));
        QCOMPARE(s.json, s.event.toJson());
        QVERIFY2(s.json.contains("\"seq\":" + QByteArray::number(i) + ','), s.json.constData());
        QCOMPARE(log.head(), i);
        QCOMPARE(log.size(), int(i));
    }
    QCOMPARE(log.firstHeld(), qint64(1));
    QCOMPARE(seqsOf(log.since(0)), seqRange(1, 5));
}

void TestChannelLog::capacityBound_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("count");

    QTest::newRow("under") << 5 << 3;
    QTest::newRow("exactly-full") << 5 << 5;
    QTest::newRow("one-over") << 5 << 6;
    QTest::newRow("many-over") << 5 << 103;
    QTest::newRow("capacity-1") << 1 << 10;
}

void TestChannelLog::capacityBound()
{
    QFETCH(int, capacity);
    QFETCH(int, count);

    ChannelLog log(capacity);
    for (int i = 1; i <= count; ++i) {
        log.sequence(message(QString::number(i)));
        QVERIFY(log.size() <= capacity);
        QCOMPARE(log.size(), std::min(i, capacity));
        QCOMPARE(log.head(), qint64(i));
        QCOMPARE(log.firstHeld(), qint64(std::max(1, i - capacity + 1)));
    }
    // The held events are the newest ones, oldest first.
    const qint64 first = log.firstHeld();
    const ChannelLog::Range r = log.since(first - 1);
    QVERIFY(!r.hasGap());
    QCOMPARE(seqsOf(r), seqRange(first, count));
    QCOMPARE(r.events.back().event.data.toString(), QString::number(count));
}

void TestChannelLog::byteBound_data()
{
    QTest::addColumn<int>("eventBytes"); // characters of data per event
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<int>("count");

    // Each event's JSON is its data plus about 100 bytes of envelope.
    QTest::newRow("all-fit") << 100 << qint64(100000) << 50;
    QTest::newRow("bytes-bind-first") << 1000 << qint64(10000) << 50;
    QTest::newRow("one-event-over-the-bound-is-still-held") << 5000 << qint64(1000) << 3;
    QTest::newRow("many-small") << 10 << qint64(2000) << 500;
}

void TestChannelLog::byteBound()
{
    QFETCH(int, eventBytes);
    QFETCH(qint64, maxBytes);
    QFETCH(int, count);

    ChannelLog log(1000, maxBytes);
    qint64 expectedBytes = 0;
    for (int i = 1; i <= count; ++i) {
        const Sequenced &s = log.sequence(message(QString(eventBytes, QLatin1Char('x'))));
        QCOMPARE(s.event.seq, qint64(i));
        // Within the bound, or the newest event alone; and the count is what bytes() says.
        QVERIFY2(log.bytes() <= maxBytes || log.size() == 1, qPrintable(QString::number(log.bytes())));
        QVERIFY(log.size() >= 1);
    }
    const ChannelLog::Range r = log.since(0);
    for (const Sequenced &s : r.events)
        expectedBytes += s.json.size();
    QCOMPARE(log.bytes(), expectedBytes);
    QCOMPARE(r.events.back().event.seq, qint64(count));
    // What went is a gap for a reader asking from the start, never a silent hole.
    QCOMPARE(r.hasGap(), log.firstHeld() > 1);
    if (r.hasGap())
        QCOMPARE(r.gapTo, log.firstHeld() - 1);
    // Taking one more event would pass the bound: the log holds as many as fit.
    if (log.size() > 1 && log.firstHeld() > 1)
        QVERIFY(log.bytes() + r.events.front().json.size() > maxBytes);
    log.resetHead(log.head());
    QCOMPARE(log.bytes(), qint64(0));
}

void TestChannelLog::since_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("count");
    QTest::addColumn<qint64>("since");
    QTest::addColumn<int>("limit");
    QTest::addColumn<qint64>("gapFrom");
    QTest::addColumn<qint64>("gapTo");
    QTest::addColumn<QList<qint64>>("seqs");
    QTest::addColumn<bool>("more");

    const int all = std::numeric_limits<int>::max();
    // Capacity 5 after 10 events: held 6..10, firstHeld 6, head 10.
    QTest::newRow("inside") << 5 << 10 << qint64(7) << all << qint64(0) << qint64(0) << seqRange(8, 10) << false;
    QTest::newRow("edge-firstHeld-1") << 5 << 10 << qint64(5) << all << qint64(0) << qint64(0) << seqRange(6, 10) << false;
    QTest::newRow("edge-firstHeld-2") << 5 << 10 << qint64(4) << all << qint64(5) << qint64(5) << seqRange(6, 10) << false;
    QTest::newRow("since-0-trimmed") << 5 << 10 << qint64(0) << all << qint64(1) << qint64(5) << seqRange(6, 10) << false;
    QTest::newRow("since-head-1") << 5 << 10 << qint64(9) << all << qint64(0) << qint64(0) << seqRange(10, 10) << false;
    QTest::newRow("since-head") << 5 << 10 << qint64(10) << all << qint64(0) << qint64(0) << QList<qint64>() << false;
    QTest::newRow("past-head") << 5 << 10 << qint64(11) << all << qint64(0) << qint64(0) << QList<qint64>() << false;
    QTest::newRow("far-past-head") << 5 << 10 << qint64(60) << all << qint64(0) << qint64(0) << QList<qint64>() << false;
    QTest::newRow("limit-cuts") << 5 << 10 << qint64(5) << 2 << qint64(0) << qint64(0) << seqRange(6, 7) << true;
    QTest::newRow("limit-exact") << 5 << 10 << qint64(5) << 5 << qint64(0) << qint64(0) << seqRange(6, 10) << false;
    QTest::newRow("limit-above") << 5 << 10 << qint64(5) << 6 << qint64(0) << qint64(0) << seqRange(6, 10) << false;
    QTest::newRow("limit-with-gap") << 5 << 10 << qint64(0) << 3 << qint64(1) << qint64(5) << seqRange(6, 8) << true;
    QTest::newRow("limit-1-inside") << 5 << 10 << qint64(8) << 1 << qint64(0) << qint64(0) << seqRange(9, 9) << true;
    QTest::newRow("limit-0") << 5 << 10 << qint64(8) << 0 << qint64(0) << qint64(0) << QList<qint64>() << true;
    // Nothing trimmed yet.
    QTest::newRow("untrimmed-since-0") << 100 << 10 << qint64(0) << all << qint64(0) << qint64(0) << seqRange(1, 10) << false;
    QTest::newRow("untrimmed-inside") << 100 << 10 << qint64(3) << all << qint64(0) << qint64(0) << seqRange(4, 10) << false;
    QTest::newRow("untrimmed-limit") << 100 << 10 << qint64(0) << 4 << qint64(0) << qint64(0) << seqRange(1, 4) << true;
    QTest::newRow("empty-log") << 5 << 0 << qint64(0) << all << qint64(0) << qint64(0) << QList<qint64>() << false;
    // Found by fuzz_channellog: since -1 gave the gap 0..5, which hasGap() reads as none.
    // Seqs start at 1: a negative since asks what 0 asks.
    QTest::newRow("since-minus-1-trimmed") << 5 << 10 << qint64(-1) << all << qint64(1) << qint64(5) << seqRange(6, 10) << false;
    QTest::newRow("since-minus-1-untrimmed") << 100 << 10 << qint64(-1) << all << qint64(0) << qint64(0) << seqRange(1, 10) << false;
    QTest::newRow("since-very-negative") << 5 << 10 << std::numeric_limits<qint64>::min() << all << qint64(1) << qint64(5) << seqRange(6, 10) << false;
}

void TestChannelLog::since()
{
    QFETCH(int, capacity);
    QFETCH(int, count);
    QFETCH(qint64, since);
    QFETCH(int, limit);
    QFETCH(qint64, gapFrom);
    QFETCH(qint64, gapTo);
    QFETCH(QList<qint64>, seqs);
    QFETCH(bool, more);

    const ChannelLog log = filled(capacity, count);
    const ChannelLog::Range r = log.since(since, limit);
    QCOMPARE(r.hasGap(), gapFrom != 0);
    QCOMPARE(r.gapFrom, gapFrom);
    QCOMPARE(r.gapTo, gapTo);
    QCOMPARE(seqsOf(r), seqs);
    QCOMPARE(r.more, more);
    // Gap and events together leave no hole: the first event follows the gap or `since`.
    if (!seqs.isEmpty())
        QCOMPARE(seqs.first(), (r.hasGap() ? r.gapTo : std::max<qint64>(since, 0)) + 1);
}

void TestChannelLog::covers_data()
{
    QTest::addColumn<qint64>("since");
    QTest::addColumn<bool>("covered");

    // Capacity 5 after 10 events: held 6..10.
    QTest::newRow("firstHeld-1") << qint64(5) << true;
    QTest::newRow("firstHeld-2") << qint64(4) << false;
    QTest::newRow("zero") << qint64(0) << false;
    QTest::newRow("inside") << qint64(8) << true;
    QTest::newRow("head") << qint64(10) << true;
    QTest::newRow("past-head") << qint64(50) << true;
    QTest::newRow("minus-1") << qint64(-1) << false;
    QTest::newRow("int64-max") << std::numeric_limits<qint64>::max() << true;
}

void TestChannelLog::covers()
{
    QFETCH(qint64, since);
    QFETCH(bool, covered);
    const ChannelLog log = filled(5, 10);
    QCOMPARE(log.covers(since), covered);
    // covers() and since() agree.
    QCOMPARE(!log.since(since).hasGap(), covered);
}

void TestChannelLog::appendAcceptsOnlyNext_data()
{
    QTest::addColumn<qint64>("seq");
    QTest::addColumn<bool>("accepted");

    // The log's head is 3.
    QTest::newRow("next") << qint64(4) << true;
    QTest::newRow("gap-of-one") << qint64(5) << false;
    QTest::newRow("far-ahead") << qint64(1000) << false;
    QTest::newRow("duplicate-head") << qint64(3) << false;
    QTest::newRow("old") << qint64(1) << false;
    QTest::newRow("zero") << qint64(0) << false;
    QTest::newRow("negative") << qint64(-4) << false;
}

void TestChannelLog::appendAcceptsOnlyNext()
{
    QFETCH(qint64, seq);
    QFETCH(bool, accepted);

    ChannelLog log(10);
    for (qint64 s = 1; s <= 3; ++s)
        QVERIFY(log.append(remote(s)));
    QCOMPARE(log.head(), qint64(3));

    QCOMPARE(log.append(remote(seq)), accepted);
    QCOMPARE(log.head(), accepted ? seq : qint64(3));
    QCOMPARE(log.size(), accepted ? 4 : 3);
    QCOMPARE(seqsOf(log.since(0)), seqRange(1, log.head()));
    if (accepted) {
        // The stored copy keeps the sender's JSON as it was.
        QCOMPARE(log.since(seq - 1).events.front().json, remote(seq).json);
    }
    // Whatever was refused, the next one in line still goes in.
    QVERIFY(log.append(remote(log.head() + 1)));
}

void TestChannelLog::appendKeepsBound()
{
    ChannelLog log(3);
    for (qint64 s = 1; s <= 8; ++s) {
        QVERIFY(log.append(remote(s)));
        QVERIFY(log.size() <= 3);
    }
    QCOMPARE(log.head(), qint64(8));
    QCOMPARE(log.firstHeld(), qint64(6));
    const ChannelLog::Range r = log.since(2);
    QCOMPARE(r.gapFrom, qint64(3));
    QCOMPARE(r.gapTo, qint64(5));
    QCOMPARE(seqsOf(r), seqRange(6, 8));
}

void TestChannelLog::resetHeadThenAppend()
{
    ChannelLog log(10);
    for (int i = 0; i < 4; ++i)
        log.sequence(message(QStringLiteral("old")));

    const qint64 h = 500;
    log.resetHead(h);
    QCOMPARE(log.head(), h);
    QCOMPARE(log.size(), 0);
    QCOMPARE(log.firstHeld(), h + 1);
    QVERIFY(log.since(h).events.empty());
    QVERIFY(!log.since(h).hasGap());

    QVERIFY(!log.append(remote(5)));      // the old sequence is over
    QVERIFY(!log.append(remote(h)));      // already past
    QVERIFY(!log.append(remote(h + 2)));  // would leave a hole
    QVERIFY(log.append(remote(h + 1)));
    QCOMPARE(log.head(), h + 1);
    QCOMPARE(log.size(), 1);

    const ChannelLog::Range r = log.since(h - 5);
    QVERIFY(r.hasGap());
    QCOMPARE(r.gapFrom, h - 4);
    QCOMPARE(r.gapTo, h);
    QCOMPARE(seqsOf(r), QList<qint64>{h + 1});
    QVERIFY(!r.more);
    QVERIFY(!log.covers(h - 5));
    QVERIFY(log.covers(h));
}

void TestChannelLog::sequenceAfterResetHead()
{
    ChannelLog log(10);
    log.resetHead(41);
    const Sequenced &s = log.sequence(message(QStringLiteral("x")));
    QCOMPARE(s.event.seq, qint64(42));
    QCOMPARE(log.head(), qint64(42));
    QCOMPARE(log.firstHeld(), qint64(42));
}

QTEST_GUILESS_MAIN(TestChannelLog)
#include "tst_channellog.moc"
