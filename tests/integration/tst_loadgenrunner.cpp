// core/controller/control/loadgenrunner.{h,cpp} running the real duplex-loadgen against a real cluster
// (broker, two WebSocket and two Comet nodes, nginx) started by the core's Cluster, and a
// scripted stand-in for it where the lines themselves are what is tested.
#include "control/cluster.h"
#include "control/loadgenrunner.h"
#include "testcluster.h"
#include "util/procstats.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using duplex::control::Cluster;
using duplex::control::LoadgenRunner;
using duplex::load::IntervalParse;
using duplex::load::SummaryParse;

namespace {

QString loadgenPath()
{
    return QStringLiteral(DUPLEX_BIN_DIR "/duplex-loadgen");
}


} // namespace

class TestLoadgenRunner final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void runReportsIntervalsSummaryAndCsv();
    void stoppedRunStillSummarizes();
    void destructorKillsTheGenerator();
    void missingBinaryIsRefused();
    void unreachableClusterFails();
    void generatorClockFollowsIntervalLines();

private:
    duplex::loadgen::LoadOptions baseOptions(const QString &channel) const
    {
        duplex::loadgen::LoadOptions o;
        o.transports = {duplex::protocol::Transport::WebSocket, duplex::protocol::Transport::Comet};
        o.clients = 10;
        o.rate = 100;
        o.port = m_cluster->port();
        o.intervalMs = 200;
        o.spreadSources = true;
        o.channel = channel;
        return o;
    }

    std::unique_ptr<Cluster> m_cluster;
};

void TestLoadgenRunner::initTestCase()
{
    QString error;
    m_cluster = startTestCluster(2, 2, &error);
    QVERIFY2(m_cluster, qPrintable(error));
}

void TestLoadgenRunner::cleanupTestCase()
{
    if (m_cluster)
        QVERIFY(stopTestCluster(m_cluster.get()));
}

void TestLoadgenRunner::runReportsIntervalsSummaryAndCsv()
{
    LoadgenRunner runner;
    runner.setProgram(loadgenPath());
    QSignalSpy started(&runner, &LoadgenRunner::started);
    QSignalSpy intervals(&runner, &LoadgenRunner::intervalReported);
    QSignalSpy progressed(&runner, &LoadgenRunner::progressed);
    QSignalSpy finished(&runner, &LoadgenRunner::finished);
    QSignalSpy failed(&runner, &LoadgenRunner::failed);
    auto options = baseOptions(QStringLiteral("lgr-full"));
    options.messages = 100;
    QString error;
    QVERIFY2(runner.start(options, &error), qPrintable(error));
    QTRY_VERIFY(!started.isEmpty());
    QVERIFY(runner.isRunning());
    QVERIFY(runner.pid() > 0);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 60000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    QVERIFY(!runner.isRunning());
    QCOMPARE(runner.pid(), qint64(0));

    QVERIFY(!intervals.isEmpty());
    qint64 streamed = 0;
    for (const QList<QVariant> &args : intervals) {
        const auto interval = args.first().value<IntervalParse>();
        QVERIFY(interval.status == IntervalParse::Status::Ok);
        for (const auto &t : interval.transports)
            streamed += t.interval.received;
    }
    QCOMPARE(streamed, qint64(2 * 10 * 100));
    // The generator's stderr came through line by line, newline-free.
    QVERIFY(!progressed.isEmpty());
    for (const QList<QVariant> &args : progressed)
        QVERIFY(!args.first().toString().contains(QLatin1Char('\n')));

    const auto summary = finished.first().at(0).value<SummaryParse>();
    QVERIFY2(summary.status == SummaryParse::Status::Ok, qPrintable(summary.error));
    QCOMPARE(summary.transports.size(), 2);
    for (const auto &t : summary.transports) {
        QCOMPARE(t.summary.clients, 10);
        QCOMPARE(t.summary.expected, qint64(10 * 100));
        QCOMPARE(t.summary.delivered, t.summary.expected);
    }
    const QByteArray csv = finished.first().at(1).toByteArray();
    QVERIFY(csv.startsWith("iteration,transport,mean_inter_message_ms,mean_latency_ms,clients\n"));
    QCOMPARE(csv.count(",ws,"), 100);
    QCOMPARE(csv.count(",comet,"), 100);
}

void TestLoadgenRunner::stoppedRunStillSummarizes()
{
    LoadgenRunner runner;
    runner.setProgram(loadgenPath());
    QSignalSpy intervals(&runner, &LoadgenRunner::intervalReported);
    QSignalSpy finished(&runner, &LoadgenRunner::finished);
    QSignalSpy failed(&runner, &LoadgenRunner::failed);
    auto options = baseOptions(QStringLiteral("lgr-stop"));
    options.durationSeconds = 600; // far longer than the test waits
    QString error;
    QVERIFY2(runner.start(options, &error), qPrintable(error));
    // One run at a time.
    QString again;
    QVERIFY(!runner.start(options, &again));
    QVERIFY2(again.contains(QStringLiteral("running")), qPrintable(again));

    // Stopped once messages flow.
    auto flowing = [&intervals] {
        for (const QList<QVariant> &args : intervals) {
            for (const auto &t : args.first().value<IntervalParse>().transports) {
                if (t.interval.received > 0)
                    return true;
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(flowing() || !failed.isEmpty(), 30000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    runner.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 30000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    const auto summary = finished.first().at(0).value<SummaryParse>();
    QVERIFY2(summary.status == SummaryParse::Status::Ok, qPrintable(summary.error));
    QCOMPARE(summary.transports.size(), 2);
    for (const auto &t : summary.transports) {
        QVERIFY(t.summary.delivered > 0);
        QVERIFY(t.summary.expected < 10 * 100 * 600);
    }
    QVERIFY(finished.first().at(1).toByteArray().startsWith("iteration,transport,"));
}

void TestLoadgenRunner::destructorKillsTheGenerator()
{
    auto runner = std::make_unique<LoadgenRunner>();
    runner->setProgram(loadgenPath());
    QSignalSpy started(runner.get(), &LoadgenRunner::started);
    auto options = baseOptions(QStringLiteral("lgr-gone"));
    options.durationSeconds = 600;
    QString error;
    QVERIFY2(runner->start(options, &error), qPrintable(error));
    QTRY_VERIFY(!started.isEmpty());
    const qint64 pid = runner->pid();
    QVERIFY(pid > 0);
    QVERIFY(duplex::util::isRunning(pid));
    runner.reset();
    QVERIFY(!duplex::util::isRunning(pid));
}

void TestLoadgenRunner::missingBinaryIsRefused()
{
    LoadgenRunner runner;
    const QString path = QStringLiteral(DUPLEX_BIN_DIR "/no-such-loadgen");
    runner.setProgram(path);
    QSignalSpy failed(&runner, &LoadgenRunner::failed);
    QString error;
    QVERIFY(!runner.start(baseOptions(QStringLiteral("lgr-missing")), &error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY(!runner.isRunning());
    QCOMPARE(runner.pid(), qint64(0));
    QCOMPARE(failed.count(), 0);
}

void TestLoadgenRunner::unreachableClusterFails()
{
    // A port nobody listens on: taken, then released.
    quint16 port = 0;
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        port = server.serverPort();
    }
    LoadgenRunner runner;
    runner.setProgram(loadgenPath());
    QSignalSpy finished(&runner, &LoadgenRunner::finished);
    QSignalSpy failed(&runner, &LoadgenRunner::failed);
    auto options = baseOptions(QStringLiteral("lgr-unreachable"));
    options.port = port;
    options.clients = 2;
    options.durationSeconds = 1;
    QString error;
    QVERIFY2(runner.start(options, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty() || !finished.isEmpty(), 30000);
    QCOMPARE(finished.count(), 0);
    const QString reason = failed.first().first().toString();
    QVERIFY2(reason.contains(QStringLiteral("cannot reach")), qPrintable(reason));
}

void TestLoadgenRunner::generatorClockFollowsIntervalLines()
{
    // A stand-in generator that waits for the test's go, then claims 600 s on its clock
    // between two lines claiming 0: only the smallest arrival-minus-t is the generator's t=0.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString go = dir.filePath(QStringLiteral("go"));
    const QString script = dir.filePath(QStringLiteral("fake-loadgen"));
    {
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("#!/bin/sh\n"
                                  "while [ ! -e '%1' ]; do sleep 0.02; done\n"
                                  "echo '{\"t\":0,\"transports\":{}}'\n"
                                  "echo '{\"t\":600000,\"transports\":{}}'\n"
                                  "echo '{\"t\":0,\"transports\":{}}'\n"
                                  "echo '{\"summary\":{\"t\":600000,\"transports\":{}}}'\n")
                       .arg(go)
                       .toUtf8());
        QVERIFY(file.setPermissions(file.permissions() | QFileDevice::ExeOwner));
    }
    LoadgenRunner runner;
    QCOMPARE(runner.generatorElapsedMs(), qint64(-1));
    runner.setProgram(script);
    QSignalSpy started(&runner, &LoadgenRunner::started);
    QSignalSpy intervals(&runner, &LoadgenRunner::intervalReported);
    QSignalSpy finished(&runner, &LoadgenRunner::finished);
    QSignalSpy failed(&runner, &LoadgenRunner::failed);

    QElapsedTimer sinceStart;
    sinceStart.start();
    QString error;
    QVERIFY2(runner.start(baseOptions(QStringLiteral("lgr-clock")), &error), qPrintable(error));
    QTRY_VERIFY(!started.isEmpty());
    // No interval line yet: the clock counts from the launch.
    const qint64 beforeLines = runner.generatorElapsedMs();
    QVERIFY(beforeLines >= 0);
    QVERIFY2(beforeLines <= sinceStart.elapsed(), qPrintable(QString::number(beforeLines)));
    QCOMPARE(intervals.count(), 0);

    QElapsedTimer sinceGo;
    sinceGo.start();
    {
        QFile file(go);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    QTRY_COMPARE_WITH_TIMEOUT(intervals.count(), 3, 30000);
    // The 600 s line arrived after the go: the generator's clock now reads 600 s plus at most
    // the time since the go. The panel's own clock (since the launch) would read far less.
    const qint64 afterLines = runner.generatorElapsedMs();
    const qint64 goToNow = sinceGo.elapsed();
    QVERIFY2(afterLines >= 600000, qPrintable(QString::number(afterLines)));
    QVERIFY2(afterLines <= 600000 + goToNow, qPrintable(QStringLiteral("%1 > 600000 + %2").arg(afterLines).arg(goToNow)));

    // The mapping outlives the run.
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 30000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    QVERIFY(runner.generatorElapsedMs() >= afterLines);
}

QTEST_GUILESS_MAIN(TestLoadgenRunner)
#include "tst_loadgenrunner.moc"
