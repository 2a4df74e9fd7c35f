// Unit tests of core/controller/control/logbuffer.{h,cpp}: the control panel's bounded log.
#include "control/logbuffer.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using duplex::control::LogBuffer;
using duplex::control::LogLine;

namespace {

QStringList textsOf(const QList<LogLine> &lines)
{
    QStringList texts;
    for (const LogLine &line : lines)
        texts << line.text;
    return texts;
}

// The same lines for every filter row: two sources, stderr and stdout, some that read
// like errors.
void fill(LogBuffer &buffer)
{
    buffer.append(QStringLiteral("broker"), false, QStringLiteral("listening on 4000"));
    buffer.append(QStringLiteral("ws-1"), false, QStringLiteral("READY"));
    buffer.append(QStringLiteral("ws-1"), true, QStringLiteral("bus link lost"));
    buffer.append(QStringLiteral("broker"), false, QStringLiteral("Warning: slow consumer"));
    buffer.append(QStringLiteral("comet-1"), false, QStringLiteral("publish FAILED"));
    buffer.append(QStringLiteral("comet-1"), false, QStringLiteral("qt.core: Fatal trouble"));
    buffer.append(QStringLiteral("ws-1"), false, QStringLiteral("Error 3 ready"));
}

} // namespace

class TestLogBuffer final : public QObject
{
    Q_OBJECT

private slots:
    void appendStampsAndSignals();
    void fullBufferDropsOldest();
    void capacityAtLeastOne();
    void filters_data();
    void filters();
    void sourcesAreDistinctAndSorted();
    void clearKeepsSources();
};

void TestLogBuffer::appendStampsAndSignals()
{
    LogBuffer buffer(10);
    QSignalSpy appended(&buffer, &LogBuffer::lineAppended);
    QSignalSpy dropped(&buffer, &LogBuffer::linesDropped);
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    buffer.append(QStringLiteral("ws-1"), true, QStringLiteral("oops"));
    const qint64 after = QDateTime::currentMSecsSinceEpoch();

    QCOMPARE(buffer.size(), 1);
    QCOMPARE(appended.count(), 1);
    QCOMPARE(dropped.count(), 0);
    const LogLine line = appended.first().first().value<LogLine>();
    QCOMPARE(line.source, QStringLiteral("ws-1"));
    QVERIFY(line.isError);
    QCOMPARE(line.text, QStringLiteral("oops"));
    QVERIFY(line.timeMs >= before && line.timeMs <= after);
    QCOMPARE(buffer.lines().first().timeMs, line.timeMs);
}

void TestLogBuffer::fullBufferDropsOldest()
{
    LogBuffer buffer(3);
    QCOMPARE(buffer.capacity(), 3);
    QSignalSpy dropped(&buffer, &LogBuffer::linesDropped);
    for (int i = 0; i < 3; ++i)
        buffer.append(QStringLiteral("s"), false, QString::number(i));
    QCOMPARE(buffer.size(), 3);
    QCOMPARE(buffer.dropped(), qint64(0));
    QCOMPARE(dropped.count(), 0);

    for (int i = 3; i < 8; ++i)
        buffer.append(QStringLiteral("s"), false, QString::number(i));
    QCOMPARE(buffer.size(), 3);
    QCOMPARE(buffer.dropped(), qint64(5));
    QCOMPARE(dropped.count(), 5);
    for (const QList<QVariant> &args : dropped)
        QCOMPARE(args.first().toInt(), 1);
    QCOMPARE(textsOf(buffer.lines()), (QStringList{QStringLiteral("5"), QStringLiteral("6"), QStringLiteral("7")}));
}

void TestLogBuffer::capacityAtLeastOne()
{
    LogBuffer buffer(0);
    QCOMPARE(buffer.capacity(), 1);
    buffer.append(QStringLiteral("a"), false, QStringLiteral("first"));
    buffer.append(QStringLiteral("a"), false, QStringLiteral("second"));
    QCOMPARE(textsOf(buffer.lines()), QStringList{QStringLiteral("second")});
    QCOMPARE(buffer.dropped(), qint64(1));
}

void TestLogBuffer::filters_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<bool>("errorsOnly");
    QTest::addColumn<QString>("search");
    QTest::addColumn<QStringList>("expected");

    const QStringList all{QStringLiteral("listening on 4000"), QStringLiteral("READY"), QStringLiteral("bus link lost"),
                          QStringLiteral("Warning: slow consumer"), QStringLiteral("publish FAILED"),
                          QStringLiteral("qt.core: Fatal trouble"), QStringLiteral("Error 3 ready")};
    QTest::newRow("no filter") << QString() << false << QString() << all;
    QTest::newRow("source") << QStringLiteral("ws-1") << false << QString()
                            << QStringList{QStringLiteral("READY"), QStringLiteral("bus link lost"), QStringLiteral("Error 3 ready")};
    QTest::newRow("unknown source") << QStringLiteral("nginx") << false << QString() << QStringList{};
    QTest::newRow("errors: stderr and words") << QString() << true << QString()
                                               << QStringList{QStringLiteral("bus link lost"), QStringLiteral("Warning: slow consumer"),
                                                              QStringLiteral("publish FAILED"), QStringLiteral("qt.core: Fatal trouble"),
                                                              QStringLiteral("Error 3 ready")};
    QTest::newRow("search, any case") << QString() << false << QStringLiteral("ready")
                                      << QStringList{QStringLiteral("READY"), QStringLiteral("Error 3 ready")};
    QTest::newRow("all three") << QStringLiteral("ws-1") << true << QStringLiteral("READY")
                               << QStringList{QStringLiteral("Error 3 ready")};
    QTest::newRow("errors of a source") << QStringLiteral("broker") << true << QString()
                                        << QStringList{QStringLiteral("Warning: slow consumer")};
    QTest::newRow("search misses") << QString() << false << QStringLiteral("nothing like it") << QStringList{};
}

void TestLogBuffer::filters()
{
    QFETCH(QString, source);
    QFETCH(bool, errorsOnly);
    QFETCH(QString, search);
    QFETCH(QStringList, expected);
    LogBuffer buffer;
    fill(buffer);
    QCOMPARE(textsOf(buffer.lines(source, errorsOnly, search)), expected);
}

void TestLogBuffer::sourcesAreDistinctAndSorted()
{
    LogBuffer buffer(2);
    QVERIFY(buffer.sources().isEmpty());
    fill(buffer);
    // broker's lines are gone by now; it was seen all the same.
    QCOMPARE(buffer.sources(), (QStringList{QStringLiteral("broker"), QStringLiteral("comet-1"), QStringLiteral("ws-1")}));
}

void TestLogBuffer::clearKeepsSources()
{
    LogBuffer buffer(3);
    fill(buffer);
    QVERIFY(buffer.dropped() > 0);
    buffer.clear();
    QCOMPARE(buffer.size(), 0);
    QCOMPARE(buffer.dropped(), qint64(0));
    QVERIFY(buffer.lines().isEmpty());
    QCOMPARE(buffer.sources().size(), 3);
    buffer.append(QStringLiteral("nginx"), false, QStringLiteral("again"));
    QCOMPARE(textsOf(buffer.lines()), QStringList{QStringLiteral("again")});
}

QTEST_GUILESS_MAIN(TestLogBuffer)
#include "tst_logbuffer.moc"
