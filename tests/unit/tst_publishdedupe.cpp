// log::PublishDedupe, a value class, fed scenarios: a retry within the window finds the
// first seq, after it finds none; keys differ by channel, client and id (1 is not "1");
// the byte bound forgets the oldest first and counts them.
#include "log/publishdedupe.h"

#include <QtTest>

using duplex::log::PublishDedupe;

class TestPublishDedupe : public QObject
{
    Q_OBJECT

private slots:
    void scenario_data();
    void scenario();
    void keysDiffer();
};

void TestPublishDedupe::scenario_data()
{
    // Steps: "r KEY SEQ T" remembers KEY as SEQ at T ms; "f KEY T SEQ" expects find() at T
    // to give SEQ (0: none). Window 1000 ms; the byte bound holds `room` entries of a
    // one-letter key.
    QTest::addColumn<int>("room");
    QTest::addColumn<QStringList>("steps");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("forgottenEarly");

    QTest::newRow("retry within the window") << 10 << QStringList{"r a 7 0", "f a 999 7"} << 1 << 0;
    QTest::newRow("retry after the window") << 10 << QStringList{"r a 7 0", "f a 1000 0"} << 0 << 0;
    QTest::newRow("never seen") << 10 << QStringList{"r a 7 0", "f b 1 0"} << 1 << 0;
    QTest::newRow("a key keeps its first seq") << 10 << QStringList{"r a 7 0", "r a 9 5", "f a 6 7"} << 1 << 0;
    QTest::newRow("expiry goes oldest first")
        << 10 << QStringList{"r a 1 0", "r b 2 500", "f a 1000 0", "f b 1000 2", "f b 1500 0"} << 0 << 0;
    QTest::newRow("past the bytes the oldest go early")
        << 2 << QStringList{"r a 1 0", "r b 2 1", "r c 3 2", "f a 3 0", "f b 3 2", "f c 3 3"} << 2 << 1;
    QTest::newRow("one entry always fits") << 0 << QStringList{"r a 1 0", "f a 1 1"} << 1 << 0;
}

void TestPublishDedupe::scenario()
{
    QFETCH(int, room);
    QFETCH(QStringList, steps);
    QFETCH(int, size);
    QFETCH(int, forgottenEarly);

    PublishDedupe dedupe(1000, room * (1 + PublishDedupe::kEntryOverhead));
    for (const QString &step : steps) {
        const QStringList w = step.split(QLatin1Char(' '));
        QCOMPARE(w.size(), 4);
        const QByteArray key = w[1].toUtf8();
        if (w[0] == QLatin1String("r"))
            dedupe.remember(key, w[2].toLongLong(), w[3].toLongLong());
        else
            QVERIFY2(dedupe.find(key, w[2].toLongLong()) == w[3].toLongLong(), qPrintable(step));
    }
    QCOMPARE(dedupe.size(), size);
    QCOMPARE(dedupe.bytes(), qint64(size) * (1 + PublishDedupe::kEntryOverhead));
    QCOMPARE(dedupe.forgottenEarly(), quint64(forgottenEarly));
}

void TestPublishDedupe::keysDiffer()
{
    const QByteArray key = PublishDedupe::keyOf(QStringLiteral("main"), QStringLiteral("c1"), "1");
    QVERIFY(key != PublishDedupe::keyOf(QStringLiteral("main"), QStringLiteral("c1"), "\"1\""));
    QVERIFY(key != PublishDedupe::keyOf(QStringLiteral("main"), QStringLiteral("c2"), "1"));
    QVERIFY(key != PublishDedupe::keyOf(QStringLiteral("other"), QStringLiteral("c1"), "1"));
    QCOMPARE(key, PublishDedupe::keyOf(QStringLiteral("main"), QStringLiteral("c1"), "1"));
}

QTEST_GUILESS_MAIN(TestPublishDedupe)
#include "tst_publishdedupe.moc"
