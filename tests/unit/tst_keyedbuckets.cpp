// util::KeyedBuckets: one budget per key, forgotten once it would be full again, and a
// bounded number of keys with the rest sharing one overflow budget.
#include "util/keyedbuckets.h"

#include <QtTest>

using duplex::util::KeyedBuckets;

class TestKeyedBuckets : public QObject
{
    Q_OBJECT

private slots:
    void takes_data();
    void takes();
    void idleKeysAreForgotten();
};

void TestKeyedBuckets::takes_data()
{
    QTest::addColumn<int>("maxKeys");
    QTest::addColumn<QString>("script");   // "key@ms" takes, space separated
    QTest::addColumn<QString>("expected"); // + taken, - refused

    // rate 1 per second, burst 2, throughout.
    QTest::newRow("each key its own burst") << 10 << "a@0 a@0 a@0 b@0 b@0 b@0" << "++-++-";
    QTest::newRow("refilled with time") << 10 << "a@0 a@0 a@0 a@1000 a@1000" << "++-+-";
    QTest::newRow("past maxKeys new keys share one budget")
        << 2 << "a@0 b@0 c@0 d@0 e@0 a@0 a@0" << "++++-+-";
    QTest::newRow("made-up keys get no fresh burst each") << 1 << "x@0 k1@0 k2@0 k3@0 k4@0" << "+++--";
}

void TestKeyedBuckets::takes()
{
    QFETCH(int, maxKeys);
    QFETCH(QString, script);
    QFETCH(QString, expected);
    KeyedBuckets buckets(1.0, 2.0, maxKeys);
    QString seen;
    for (const QString &step : script.split(QLatin1Char(' '))) {
        const QStringList parts = step.split(QLatin1Char('@'));
        seen += buckets.take(parts[0], parts[1].toLongLong()) ? QLatin1Char('+') : QLatin1Char('-');
    }
    QCOMPARE(seen, expected);
    QVERIFY(buckets.size() <= maxKeys);
}

void TestKeyedBuckets::idleKeysAreForgotten()
{
    KeyedBuckets buckets(10.0, 20.0, 100); // full again 2 s after its last use
    QVERIFY(buckets.take(QStringLiteral("a"), 0));
    QVERIFY(buckets.take(QStringLiteral("b"), 1500));
    buckets.expire(1999);
    QCOMPARE(buckets.size(), 2);
    buckets.expire(2000);
    QCOMPARE(buckets.size(), 1); // a went; b was used 500 ms later
    buckets.expire(3500);
    QCOMPARE(buckets.size(), 0);
}

QTEST_GUILESS_MAIN(TestKeyedBuckets)
#include "tst_keyedbuckets.moc"
