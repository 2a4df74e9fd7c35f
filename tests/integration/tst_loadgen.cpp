// duplex-loadgen against a real cluster (broker, two WebSocket and two Comet nodes, nginx)
// started by the core's Cluster: small bounded runs whose reports must add up.
#include "control/cluster.h"
#include "load/intervaljson.h"
#include "load/summaryjson.h"
#include "testcluster.h"
#include "util/procstats.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using duplex::control::Cluster;
using duplex::util::Role;

namespace {

struct LoadgenResult
{
    int exitCode = -1;
    QList<QByteArray> lines; // stdout
    QByteArray stderrText;
    duplex::load::SummaryParse summary;
};

QString loadgenPath()
{
    return QStringLiteral(DUPLEX_BIN_DIR "/duplex-loadgen");
}

// Reads a finished (or killed) loadgen's output.
LoadgenResult collect(QProcess &process)
{
    LoadgenResult r;
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.lines = process.readAllStandardOutput().split('\n');
    r.lines.removeAll(QByteArray());
    r.stderrText = process.readAllStandardError();
    if (!r.lines.isEmpty())
        r.summary = duplex::load::parseSummaryJson(r.lines.last());
    return r;
}

const duplex::load::ParsedTransportSummary *transport(const LoadgenResult &r, duplex::protocol::Transport name)
{
    for (const auto &t : r.summary.transports) {
        if (t.summary.transport == name)
            return &t;
    }
    return nullptr;
}

// The checks of a run of 20 clients per transport (ws and comet) receiving 200 messages:
// everything delivered once, an interval stream that adds up, 200 CSV rows per transport.
void verifySmallRun(const LoadgenResult &r, const QString &csvPath)
{
    QVERIFY2(r.exitCode == 0, r.stderrText.constData());
    QVERIFY2(r.summary.status == duplex::load::SummaryParse::Status::Ok, qPrintable(r.summary.error));

    for (const duplex::protocol::Transport name : duplex::protocol::kTransports) {
        const auto *t = transport(r, name);
        QVERIFY2(t, qPrintable(duplex::protocol::transportName(name)));
        QCOMPARE(t->summary.clients, 20);
        QCOMPARE(t->summary.expected, qint64(20 * 200));
        QCOMPARE(t->summary.delivered, qint64(20 * 200));
        QCOMPARE(t->summary.lost, qint64(0));
        QCOMPARE(t->summary.duplicated, qint64(0));
        // Plausible, not a speed bound: positive, and under the run's own length.
        QVERIFY(t->percentiles.p50Ms > 0);
        QVERIFY2(t->percentiles.maxMs < 60000, qPrintable(QString::number(t->percentiles.maxMs)));
        // 100 messages a second: about 10 ms between two, the thesis's figure.
        QVERIFY2(t->summary.meanInterMessageMs > 5 && t->summary.meanInterMessageMs < 20,
                 qPrintable(QString::number(t->summary.meanInterMessageMs)));
    }

    // The interval stream parses, line by line, and adds up to what was delivered.
    qint64 streamed = 0;
    for (int i = 0; i + 1 < r.lines.size(); ++i) {
        const duplex::load::IntervalParse line = duplex::load::parseIntervalJsonLine(r.lines.at(i));
        QVERIFY2(line.status == duplex::load::IntervalParse::Status::Ok, r.lines.at(i).constData());
        for (const auto &t : line.transports)
            streamed += t.interval.received;
    }
    QCOMPARE(streamed, qint64(2 * 20 * 200));

    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> rows = csv.readAll().split('\n');
    QCOMPARE(rows.first(), QByteArray("iteration,transport,mean_inter_message_ms,mean_latency_ms,clients"));
    QCOMPARE(int(std::count_if(rows.cbegin(), rows.cend(), [](const QByteArray &row) { return row.contains(",ws,"); })), 200);
    QCOMPARE(int(std::count_if(rows.cbegin(), rows.cend(), [](const QByteArray &row) { return row.contains(",comet,"); })), 200);
}

} // namespace

class TestLoadgen final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void smallRunAddsUp();
    void procsSplitTheClients();
    void killedNodesMidRunLoseNothing();
    void unreachableClusterExitsNonZero();
    void badOptionsExitWithUsage();

private:
    QStringList baseArguments() const
    {
        return {QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:%1/").arg(m_cluster->port()),
                QStringLiteral("--interval"), QStringLiteral("200")};
    }

    std::unique_ptr<Cluster> m_cluster;
};

void TestLoadgen::initTestCase()
{
    QString error;
    m_cluster = startTestCluster(2, 2, &error);
    QVERIFY2(m_cluster, qPrintable(error));
}

void TestLoadgen::cleanupTestCase()
{
    if (m_cluster)
        QVERIFY(stopTestCluster(m_cluster.get()));
}

void TestLoadgen::smallRunAddsUp()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString csvPath = dir.filePath(QStringLiteral("run.csv"));
    QProcess process;
    process.start(loadgenPath(), baseArguments() + QStringList{
        QStringLiteral("--transport"), QStringLiteral("ws"), QStringLiteral("--transport"), QStringLiteral("comet"),
        QStringLiteral("--clients"), QStringLiteral("20"), QStringLiteral("--rate"), QStringLiteral("100"),
        QStringLiteral("--messages"), QStringLiteral("200"), QStringLiteral("--spread-sources"),
        QStringLiteral("--channel"), QStringLiteral("lg-small"), QStringLiteral("--csv"), csvPath});
    QVERIFY(process.waitForFinished(60000));
    verifySmallRun(collect(process), csvPath);
}

void TestLoadgen::procsSplitTheClients()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString csvPath = dir.filePath(QStringLiteral("procs.csv"));
    QProcess process;
    process.start(loadgenPath(), baseArguments() + QStringList{
        QStringLiteral("--procs"), QStringLiteral("2"),
        QStringLiteral("--transport"), QStringLiteral("ws"), QStringLiteral("--transport"), QStringLiteral("comet"),
        QStringLiteral("--clients"), QStringLiteral("20"), QStringLiteral("--rate"), QStringLiteral("100"),
        QStringLiteral("--messages"), QStringLiteral("200"), QStringLiteral("--spread-sources"),
        QStringLiteral("--channel"), QStringLiteral("lg-procs"), QStringLiteral("--csv"), csvPath});
    QVERIFY(process.waitForFinished(60000));
    const LoadgenResult r = collect(process);
    // The merged output is what one process would print.
    verifySmallRun(r, csvPath);
    if (QTest::currentTestFailed())
        return;
    for (const auto &t : r.summary.transports)
        QVERIFY2(t.summary.clientCpuSeconds > 0, r.lines.last().constData());

    // The parent named its workers ("workers: <pid> <pid>"); none outlives it. A pid
    // still in /proc must be a zombie or another program by now.
    qsizetype at = r.stderrText.indexOf("workers: ");
    QVERIFY2(at >= 0, r.stderrText.constData());
    at += qsizetype(qstrlen("workers: "));
    const QList<QByteArray> pids = r.stderrText.mid(at, r.stderrText.indexOf('\n', at) - at).split(' ');
    QCOMPARE(pids.size(), 2);
    for (const QByteArray &pid : pids) {
        bool ok = false;
        QVERIFY2(pid.toLongLong(&ok) > 0 && ok, pid.constData());
        const duplex::util::ProcStat stat = duplex::util::readProcStat(pid.toLongLong());
        if (!stat.valid)
            continue; // gone
        const QByteArray state(1, stat.state);
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(QString::fromLatin1(pid)));
        const bool isWorker = cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains("--worker");
        QVERIFY2(state == "Z" || !isWorker, qPrintable(QStringLiteral("worker %1 survived (%2)").arg(QString::fromLatin1(pid), QString::fromLatin1(state))));
    }
}

void TestLoadgen::killedNodesMidRunLoseNothing()
{
    QProcess process;
    process.start(loadgenPath(), baseArguments() + QStringList{
        QStringLiteral("--transport"), QStringLiteral("ws"), QStringLiteral("--transport"), QStringLiteral("comet"),
        QStringLiteral("--clients"), QStringLiteral("20"), QStringLiteral("--rate"), QStringLiteral("100"),
        QStringLiteral("--messages"), QStringLiteral("400"), QStringLiteral("--spread-sources"),
        QStringLiteral("--channel"), QStringLiteral("lg-kill")});
    QVERIFY(process.waitForStarted());
    // Once messages flow, one WebSocket node and one Comet node die.
    QByteArray seen;
    static const QRegularExpression flowing(QStringLiteral("\"received\":[1-9]"));
    QTRY_VERIFY_WITH_TIMEOUT((seen += process.readAllStandardOutput(), flowing.match(QString::fromUtf8(seen)).hasMatch())
                                 || process.state() == QProcess::NotRunning,
                             30000);
    QVERIFY2(process.state() == QProcess::Running, process.readAllStandardError().constData());
    QString error;
    QVERIFY2(m_cluster->killNode(QStringLiteral("ws-1"), &error), qPrintable(error));
    QVERIFY2(m_cluster->killNode(QStringLiteral("comet-1"), &error), qPrintable(error));
    QVERIFY(process.waitForFinished(60000));
    LoadgenResult r;
    r.exitCode = process.exitCode();
    r.lines = (seen + process.readAllStandardOutput()).split('\n');
    r.lines.removeAll(QByteArray());
    r.stderrText = process.readAllStandardError();
    r.summary = duplex::load::parseSummaryJson(r.lines.last());
    QVERIFY2(r.exitCode == 0, r.stderrText.constData());
    QVERIFY2(r.summary.status == duplex::load::SummaryParse::Status::Ok, qPrintable(r.summary.error));

    const auto *ws = transport(r, duplex::protocol::Transport::WebSocket);
    const auto *comet = transport(r, duplex::protocol::Transport::Comet);
    QVERIFY(ws && comet);
    // The WebSocket clients of the dead node came back through the other one...
    QVERIFY2(ws->summary.reconnects > 0, r.lines.last().constData());
    // The stream counts reconnects per interval: they add up to the summary's.
    qint64 streamedReconnects = 0;
    for (int i = 0; i + 1 < r.lines.size(); ++i) {
        const duplex::load::IntervalParse line = duplex::load::parseIntervalJsonLine(r.lines.at(i));
        for (const auto &t : line.transports) {
            if (t.interval.transport == duplex::protocol::Transport::WebSocket)
                streamedReconnects += t.interval.reconnects;
        }
    }
    QCOMPARE(streamedReconnects, ws->summary.reconnects);
    // ...and with `since`, nobody lost or repeated a message.
    for (const auto *t : {ws, comet}) {
        QVERIFY2(t->summary.lost == 0, r.lines.last().constData());
        QCOMPARE(t->summary.duplicated, qint64(0));
        QCOMPARE(t->summary.delivered, t->summary.expected);
        QVERIFY(t->summary.expected > 0);
    }
    qInfo("%s", r.stderrText.constData());
}

void TestLoadgen::unreachableClusterExitsNonZero()
{
    // A port nobody listens on: taken, then released.
    quint16 port = 0;
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        port = server.serverPort();
    }
    QProcess process;
    process.start(loadgenPath(), {QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:%1/").arg(port),
                                  QStringLiteral("--clients"), QStringLiteral("2"), QStringLiteral("--duration"), QStringLiteral("1")});
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), 1);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(err.contains("cannot reach the cluster at http://127.0.0.1:" + QByteArray::number(port)), err.constData());
}

void TestLoadgen::badOptionsExitWithUsage()
{
    QProcess process;
    process.start(loadgenPath(), {QStringLiteral("--transport"), QStringLiteral("carrier-pigeon")});
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 2);
    QVERIFY(process.readAllStandardError().contains("--transport"));
}

QTEST_GUILESS_MAIN(TestLoadgen)
#include "tst_loadgen.moc"
