// node::OutboundLag from running totals: a fast reader stays young whatever passes
// through, a stopped one ages, bytes queued behind it (pongs, closes) count, and the
// sample bound can only overstate the lag.
#include "node/outboundlag.h"

#include <QtTest>

using duplex::node::OutboundLag;

class TestOutboundLag : public QObject
{
    Q_OBJECT

private slots:
    void lag_data();
    void lag();
    void samplesAreBounded();
};

using Step = QList<qint64>; // time ms, bytes written so far, bytes unsent now, lag expected after it

void TestOutboundLag::lag_data()
{
    QTest::addColumn<QList<Step>>("steps");

    QTest::newRow("nothing queued") << QList<Step>{{0, 0, 0, 0}, {1000, 0, 0, 0}};
    QTest::newRow("a reader that stops ages")
        << QList<Step>{{0, 0, 100, 0}, {500, 0, 100, 500}, {10000, 0, 100, 10000}};
    QTest::newRow("a fast reader with a large steady flow stays young")
        // 4 MiB written every 100 ms, 1 MiB always queued: what was queued at one sample
        // is written by the next, so the lag never reaches one interval.
        << QList<Step>{{0, 0, 1 << 20, 0},
                       {100, 4 << 20, 1 << 20, 0},
                       {200, 8 << 20, 1 << 20, 0},
                       {300, 12 << 20, 1 << 20, 0},
                       {400, 16 << 20, 1 << 20, 0}};
    QTest::newRow("a slow reader that progresses still ages past what it has not read")
        // 10 bytes a tick read, 100 queued a tick: the oldest unsent byte gets older (at
        // t=1000 the bytes of t=0 are read, those queued at t=100 are not).
        << QList<Step>{{0, 0, 100, 0}, {100, 10, 190, 100}, {200, 20, 280, 200}, {1000, 100, 1000, 900}};
    QTest::newRow("a drained queue starts afresh")
        << QList<Step>{{0, 0, 100, 0}, {5000, 0, 100, 5000}, {5100, 100, 0, 0}, {6000, 100, 50, 0},
                       {7000, 100, 50, 1000}};
    QTest::newRow("bytes Qt queues on its own (pongs) count like events")
        // Nothing the node sent, but the unsent total grows: a ping flood from a non-reader.
        << QList<Step>{{0, 0, 6, 0}, {100, 0, 600, 100}, {200, 0, 6000, 200}};
    QTest::newRow("the oldest sample goes once its bytes are written")
        << QList<Step>{{0, 0, 100, 0}, {100, 0, 200, 100}, {200, 100, 100, 100}, {300, 200, 0, 0}};
}

void TestOutboundLag::lag()
{
    QFETCH(QList<Step>, steps);
    OutboundLag lag;
    for (const Step &s : steps) {
        lag.record(s[0], quint64(s[1]), s[2]);
        QCOMPARE(lag.lagMs(s[0]), s[3]);
    }
}

void TestOutboundLag::samplesAreBounded()
{
    // A stopped reader with something new queued every tick for a long time: the samples
    // stop growing at the bound, and the lag still counts from the very first byte.
    OutboundLag lag;
    for (qint64 t = 0; t <= 100000; t += 10)
        lag.record(t, 0, t + 1);
    QCOMPARE(lag.samples(), OutboundLag::kMaxSamples);
    QCOMPARE(lag.lagMs(100000), qint64(100000));
    // Reading all but the last byte leaves the merged last sample: lag is overstated, not lost.
    lag.record(100010, 100000, 1);
    QVERIFY(lag.lagMs(100010) > 0);
    lag.record(100020, 100001, 0);
    QCOMPARE(lag.lagMs(100020), qint64(0));
}

QTEST_GUILESS_MAIN(TestOutboundLag)
#include "tst_outboundlag.moc"
