// util::TokenBucket against an injected clock: bursts, refill by elapsed time, a clock that
// goes back refills nothing, no limit at rate 0.
#include "util/tokenbucket.h"

#include <QtTest>

using duplex::util::TokenBucket;

class TestTokenBucket : public QObject
{
    Q_OBJECT

private slots:
    void takes_data();
    void takes();
};

void TestTokenBucket::takes_data()
{
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("burst");
    QTest::addColumn<QList<qint64>>("times");   // ms of each take
    QTest::addColumn<QString>("expected");      // one character per take: + taken, - refused

    QTest::newRow("burst, then refused") << 10.0 << 3.0 << QList<qint64>{0, 0, 0, 0} << QStringLiteral("+++-");
    QTest::newRow("refilled by elapsed time") << 10.0 << 3.0 << QList<qint64>{0, 0, 0, 0, 100, 100} << QStringLiteral("+++-+-");
    QTest::newRow("never above the burst") << 10.0 << 2.0 << QList<qint64>{0, 10000, 10000, 10000} << QStringLiteral("+++-");
    QTest::newRow("at the rate, always") << 10.0 << 1.0 << QList<qint64>{0, 100, 200, 300, 400} << QStringLiteral("+++++");
    QTest::newRow("over the rate") << 10.0 << 1.0 << QList<qint64>{0, 50, 100, 150, 200} << QStringLiteral("+-+-+");
    QTest::newRow("a clock that goes back refills nothing")
        << 10.0 << 1.0 << QList<qint64>{1000, 0, 500, 1000, 1100} << QStringLiteral("+---+");
    QTest::newRow("time zero is a time like another") << 1.0 << 1.0 << QList<qint64>{0, 0, 1000} << QStringLiteral("+-+");
    QTest::newRow("rate 0: no limit") << 0.0 << 1.0 << QList<qint64>{0, 0, 0} << QStringLiteral("+++");
}

void TestTokenBucket::takes()
{
    QFETCH(double, rate);
    QFETCH(double, burst);
    QFETCH(QList<qint64>, times);
    QFETCH(QString, expected);
    TokenBucket bucket(rate, burst);
    QString seen;
    for (const qint64 t : times)
        seen += bucket.take(t) ? QLatin1Char('+') : QLatin1Char('-');
    QCOMPARE(seen, expected);
}

QTEST_GUILESS_MAIN(TestTokenBucket)
#include "tst_tokenbucket.moc"
