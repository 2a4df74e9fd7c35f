// process::ChildProcess, LineReader and startInOwnGroup with real children (sh): every line
// of both channels arrives, as it is written and before `exited`, a partial last line
// included; an endless line is cut into bounded pieces; the child leads its own group, and
// what is left of the group when the child dies (nginx's workers after a kill -9 of their
// master) dies with it.
#include "process/childprocess.h"
#include "process/linereader.h"
#include "process/spawn.h"
#include "util/procstats.h"

#include <QSignalSpy>
#include <QtTest>

#include <csignal>

using duplex::process::ChildProcess;
using duplex::process::ChildSpec;
using duplex::process::LineReader;

namespace {

ChildSpec shell(const QString &script)
{
    ChildSpec spec;
    spec.name = QStringLiteral("sh");
    spec.program = QStringLiteral("/bin/sh");
    spec.arguments = {QStringLiteral("-c"), script};
    spec.readyLine = false;
    return spec;
}

// "out:x" or "err:x" for each outputLine, in arrival order.
QStringList lines(const QSignalSpy &spy)
{
    QStringList seen;
    for (const QList<QVariant> &args : spy)
        seen << (args.at(1).toBool() ? QStringLiteral("err:") : QStringLiteral("out:")) + args.at(2).toString();
    return seen;
}

} // namespace

class TestChildProcess : public QObject
{
    Q_OBJECT

private slots:
    void everyLineOfBothChannelsBeforeExited_data();
    void everyLineOfBothChannelsBeforeExited();
    void stderrArrivesWhileTheChildRuns();
    void longLinesComeInBoundedPieces();
    void childLeadsItsOwnGroup();
    void groupDiesWithItsLeader();
};

void TestChildProcess::everyLineOfBothChannelsBeforeExited_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<QStringList>("stdoutLines");
    QTest::addColumn<QStringList>("stderrLines");
    QTest::newRow("both channels") << QStringLiteral("echo a; echo b >&2; echo c; echo d >&2")
                                   << QStringList{QStringLiteral("a"), QStringLiteral("c")}
                                   << QStringList{QStringLiteral("b"), QStringLiteral("d")};
    QTest::newRow("partial last lines") << QStringLiteral("echo a; printf tail-out; echo b >&2; printf tail-err >&2")
                                        << QStringList{QStringLiteral("a"), QStringLiteral("tail-out")}
                                        << QStringList{QStringLiteral("b"), QStringLiteral("tail-err")};
    QTest::newRow("stderr only, then a failure") << QStringLiteral("echo one >&2; echo two >&2; exit 3")
                                                 << QStringList{}
                                                 << QStringList{QStringLiteral("one"), QStringLiteral("two")};
    QTest::newRow("many lines") << QStringLiteral("i=0; while [ $i -lt 500 ]; do echo o$i; echo e$i >&2; i=$((i+1)); done")
                                << [] { QStringList l; for (int i = 0; i < 500; ++i) l << QStringLiteral("o%1").arg(i); return l; }()
                                << [] { QStringList l; for (int i = 0; i < 500; ++i) l << QStringLiteral("e%1").arg(i); return l; }();
}

void TestChildProcess::everyLineOfBothChannelsBeforeExited()
{
    QFETCH(QString, script);
    QFETCH(QStringList, stdoutLines);
    QFETCH(QStringList, stderrLines);
    ChildProcess child(shell(script));
    QSignalSpy output(&child, &ChildProcess::outputLine);
    QStringList atExit;
    bool exited = false;
    connect(&child, &ChildProcess::exited, this, [&] {
        atExit = lines(output);
        exited = true;
    });
    child.start();
    child.markReady();
    QTRY_VERIFY_WITH_TIMEOUT(exited, 10000);
    QStringList out;
    QStringList err;
    for (const QString &line : atExit)
        (line.startsWith(QLatin1String("err:")) ? err : out) << line.mid(4);
    QCOMPARE(out, stdoutLines);
    QCOMPARE(err, stderrLines);
    // The failure reason a caller shows: the last stderr lines.
    if (!stderrLines.isEmpty())
        QCOMPARE(child.stderrTail().last(), stderrLines.last());
}

void TestChildProcess::stderrArrivesWhileTheChildRuns()
{
    // The child says something on stderr, then waits for its stdin to close: the line must
    // arrive while it still runs, not as a blob at exit.
    ChildProcess child(shell(QStringLiteral("echo starting >&2; echo ok; read x")));
    QSignalSpy output(&child, &ChildProcess::outputLine);
    QSignalSpy exited(&child, &ChildProcess::exited);
    child.start();
    child.markReady();
    QTRY_COMPARE_WITH_TIMEOUT(output.size(), 2, 10000);
    QVERIFY(lines(output).contains(QStringLiteral("err:starting")));
    QCOMPARE(child.state(), ChildProcess::State::Running);
    QCOMPARE(exited.size(), 0);
    child.stop(2000);
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, 10000);
    QCOMPARE(exited.first().first().toBool(), true); // asked for
}

void TestChildProcess::longLinesComeInBoundedPieces()
{
    QProcess process;
    auto *reader = new LineReader(&process, 4096);
    QList<QByteArray> pieces;
    connect(reader, &LineReader::lineRead, this, [&](QProcess::ProcessChannel channel, const QByteArray &line) {
        if (channel == QProcess::StandardOutput)
            pieces << line;
    });
    QSignalSpy finished(reader, &LineReader::finished);
    // 10000 bytes without a newline, then "end".
    duplex::process::startInOwnGroup(&process, QStringLiteral("/bin/sh"),
                                     {QStringLiteral("-c"), QStringLiteral("printf %10000s '' | tr ' ' x; echo; echo end")});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(pieces.size(), 4);
    QCOMPARE(pieces.at(0), QByteArray(4096, 'x'));
    QCOMPARE(pieces.at(1), QByteArray(4096, 'x'));
    QCOMPARE(pieces.at(2), QByteArray(10000 - 2 * 4096, 'x'));
    QCOMPARE(pieces.at(3), QByteArray("end"));
}

void TestChildProcess::childLeadsItsOwnGroup()
{
    ChildProcess child(shell(QStringLiteral("read x")));
    child.start();
    child.markReady();
    QTRY_VERIFY_WITH_TIMEOUT(child.pid() > 0, 5000);
    const duplex::util::ProcStat stat = duplex::util::readProcStat(child.pid());
    QVERIFY(stat.valid);
    QCOMPARE(stat.processGroup, child.pid());
    QSignalSpy exited(&child, &ChildProcess::exited);
    child.kill();
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, 10000);
    QCOMPARE(exited.first().first().toBool(), false); // a kill reads as a crash
}

void TestChildProcess::groupDiesWithItsLeader()
{
    // A leader with a worker in its group, as nginx's master has: the leader is killed
    // from outside, alone (not the group), as `kill -9 <master>` does.
    ChildProcess child(shell(QStringLiteral("sleep 60 & echo $!; wait")));
    QSignalSpy output(&child, &ChildProcess::outputLine);
    QSignalSpy exited(&child, &ChildProcess::exited);
    child.start();
    child.markReady();
    QTRY_COMPARE_WITH_TIMEOUT(output.size(), 1, 5000);
    const qint64 worker = output.first().at(2).toString().toLongLong();
    QVERIFY(worker > 0);
    QCOMPARE(duplex::util::readProcStat(worker).processGroup, child.pid());
    QVERIFY(duplex::util::isRunning(worker));
    ::kill(pid_t(child.pid()), SIGKILL);
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, 10000);
    // The orphan held the port in nginx's case: it is gone too.
    QTRY_VERIFY_WITH_TIMEOUT(!duplex::util::isRunning(worker), 5000);
}

QTEST_GUILESS_MAIN(TestChildProcess)
#include "tst_childprocess.moc"
