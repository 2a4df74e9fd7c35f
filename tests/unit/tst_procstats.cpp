// util::parseProcStat on /proc/PID/stat texts (command names with spaces and parentheses,
// truncated and foreign text), and the readers on this very process.
#include "util/procstats.h"

#include <QCoreApplication>
#include <QtTest>

#include <unistd.h>

using duplex::util::ProcStat;

class TestProcStats : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void thisProcess();
};

void TestProcStats::parse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<char>("state");
    QTest::addColumn<qint64>("parent");
    QTest::addColumn<qint64>("group");
    QTest::addColumn<qint64>("ticks");

    const QByteArray tail = " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49\n";
    QTest::newRow("plain") << QByteArray("42 (nginx) S 7 42 42 0 -1 4194560 100 0 0 0 30 12 0 0 20 0 1 0 5 10000 200 18446744073709551615\n")
                           << true << 'S' << qint64(7) << qint64(42) << qint64(42);
    QTest::newRow("spaces and parentheses in the name")
        << QByteArray("9 (a (b) c) Z 1 9 9 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 5 0 0 0\n") << true << 'Z' << qint64(1) << qint64(9) << qint64(11);
    QTest::newRow("truncated") << QByteArray("9 (x) S 1 9") << false << char(0) << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("no name") << QByteArray("9 x S 1 9 9") + tail << false << char(0) << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("empty") << QByteArray() << false << char(0) << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("not numbers") << QByteArray("9 (x) S one 9 9 0 -1 0 0 0 0 0 5 6 0") << false << 'S' << qint64(0) << qint64(9) << qint64(11);
}

void TestProcStats::parse()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    const ProcStat stat = duplex::util::parseProcStat(text);
    QCOMPARE(stat.valid, valid);
    if (!valid)
        return;
    QFETCH(char, state);
    QFETCH(qint64, parent);
    QFETCH(qint64, group);
    QFETCH(qint64, ticks);
    QCOMPARE(stat.state, state);
    QCOMPARE(stat.parentPid, parent);
    QCOMPARE(stat.processGroup, group);
    QCOMPARE(stat.cpuTicks, ticks);
}

void TestProcStats::thisProcess()
{
    const ProcStat self = duplex::util::readProcStat(QCoreApplication::applicationPid());
    QVERIFY(self.valid);
    QCOMPARE(self.parentPid, qint64(::getppid()));
    QCOMPARE(self.processGroup, qint64(::getpgrp()));
    QVERIFY(duplex::util::isRunning(QCoreApplication::applicationPid()));
    QVERIFY(!duplex::util::isRunning(0));
    QVERIFY(duplex::util::childProcesses(::getppid()).contains(QCoreApplication::applicationPid()));
    QVERIFY(duplex::util::residentBytes() > 0);
    QVERIFY(duplex::util::cpuTimeMicros() >= 0);
}

QTEST_GUILESS_MAIN(TestProcStats)
#include "tst_procstats.moc"
