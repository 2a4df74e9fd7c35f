// duplexctl as a user runs it: a real process starting a real cluster; stopped by SIGTERM
// or killed by SIGKILL it leaves no process behind; bad situations are one-line errors.
#include "serverprocess.h"
#include "util/procstats.h"
#include "wsclient.h"

#include <QDir>
#include <QJsonArray>
#include <QSet>
#include <QTcpServer>
#include <QTest>

#include <csignal>

namespace {


} // namespace

class TestDuplexctl final : public QObject
{
    Q_OBJECT

private slots:
    void helpExitsZero();
    void sigtermStopsEveryProcess();
    void readyLineNamesEveryNode();
    void sigkillLeavesNoProcessBehind();
    void nodeDeathIsReportedAndRestarted();
    void portInUseIsAOneLineError();
    void missingNginxIsAOneLineError();

private:
    // Starts `duplexctl up --port 0 ...`; returns every process of the cluster,
    // grandchildren included.
    QList<qint64> startCluster(ServerProcess &ctl, const QStringList &extra = {});
};

QList<qint64> TestDuplexctl::startCluster(ServerProcess &ctl, const QStringList &extra)
{
    const QStringList args = QStringList{QStringLiteral("up"), QStringLiteral("--port"), QStringLiteral("0")} + extra;
    if (!ctl.start(QStringLiteral("duplexctl"), args, QProcessEnvironment::systemEnvironment(), 20000))
        return {};
    QList<qint64> pids;
    for (const QJsonValue &v : ctl.ready().value(QStringLiteral("pids")).toArray()) {
        pids << v.toInteger();
        pids << duplex::util::childProcesses(v.toInteger());
    }
    return pids;
}

void TestDuplexctl::helpExitsZero()
{
    for (const QStringList &args : {QStringList{QStringLiteral("--help")}, QStringList{QStringLiteral("up"), QStringLiteral("--help")}}) {
        QProcess help;
        help.start(QStringLiteral(DUPLEX_BIN_DIR "/duplexctl"), args);
        QVERIFY(help.waitForFinished(5000));
        QCOMPARE(help.exitCode(), 0);
        QVERIFY(help.readAllStandardOutput().contains("up"));
    }
    QProcess bad;
    bad.start(QStringLiteral(DUPLEX_BIN_DIR "/duplexctl"), {QStringLiteral("up"), QStringLiteral("--ws"), QStringLiteral("many")});
    QVERIFY(bad.waitForFinished(5000));
    QCOMPARE(bad.exitCode(), 2);
    QVERIFY(bad.readAllStandardError().contains("--ws"));
}

void TestDuplexctl::sigtermStopsEveryProcess()
{
    ServerProcess ctl;
    const QList<qint64> pids = startCluster(ctl);
    QVERIFY2(pids.size() >= 5 + 1, qPrintable(ctl.output())); // broker, 2 ws, static, nginx + workers
    const QString runtimeDir = ctl.ready().value(QStringLiteral("runtimeDir")).toString();
    QVERIFY(QFile::exists(runtimeDir + QStringLiteral("/nginx.conf")));
    for (qint64 pid : pids)
        QVERIFY(duplex::util::isRunning(pid));

    WsClient client;
    QVERIFY(client.open(wsUrl(ctl.port())));

    QVERIFY(ctl.terminate(15000));
    QCOMPARE(ctl.process().exitCode(), 0);
    for (qint64 pid : pids)
        QTRY_VERIFY2_WITH_TIMEOUT(!duplex::util::isRunning(pid), qPrintable(QStringLiteral("pid %1 survived").arg(pid)), 5000);
    QVERIFY2(!QFile::exists(runtimeDir), qPrintable(runtimeDir));
}

void TestDuplexctl::readyLineNamesEveryNode()
{
    ServerProcess ctl;
    const QList<qint64> pids = startCluster(ctl);
    QVERIFY2(!pids.isEmpty(), qPrintable(ctl.output()));
    const QJsonObject nodes = ctl.ready().value(QStringLiteral("nodes")).toObject();
    QStringList names = nodes.keys();
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("broker"), QStringLiteral("comet-1"), QStringLiteral("comet-2"), QStringLiteral("nginx"),
                                 QStringLiteral("static"), QStringLiteral("ws-1"), QStringLiteral("ws-2")}));
    QSet<qint64> named;
    for (const QJsonValue &node : nodes)
        named.insert(node.toObject().value(QStringLiteral("pid")).toInteger());
    QSet<qint64> listed;
    for (const QJsonValue &v : ctl.ready().value(QStringLiteral("pids")).toArray())
        listed.insert(v.toInteger());
    QCOMPARE(named, listed);
    QCOMPARE(nodes.value(QStringLiteral("nginx")).toObject().value(QStringLiteral("port")).toInt(), int(ctl.port()));
    // Each WebSocket node's port reaches that node: its welcome names it.
    for (const QString &name : {QStringLiteral("ws-1"), QStringLiteral("ws-2")}) {
        WsClient client;
        QVERIFY(client.open(wsUrl(quint16(nodes.value(name).toObject().value(QStringLiteral("port")).toInt()))));
        QCOMPARE(client.events().first().node, name);
    }
    QVERIFY(ctl.terminate(15000));
}

void TestDuplexctl::sigkillLeavesNoProcessBehind()
{
    ServerProcess ctl;
    const QList<qint64> pids = startCluster(ctl);
    QVERIFY2(pids.size() >= 6, qPrintable(ctl.output()));
    ctl.kill();
    for (qint64 pid : pids)
        QTRY_VERIFY2_WITH_TIMEOUT(!duplex::util::isRunning(pid), qPrintable(QStringLiteral("pid %1 survived").arg(pid)), 5000);
}

void TestDuplexctl::nodeDeathIsReportedAndRestarted()
{
    ServerProcess ctl;
    QVERIFY2(!startCluster(ctl, {QStringLiteral("--restart")}).isEmpty(), qPrintable(ctl.output()));
    WsClient client;
    QVERIFY(client.open(wsUrl(ctl.port())));
    // The node this client is on, found by its name in the process list.
    const QString victim = client.welcome().node;
    qint64 victimPid = 0;
    for (const QJsonValue &v : ctl.ready().value(QStringLiteral("pids")).toArray()) {
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(v.toInteger()));
        if (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().split('\0').contains(victim.toUtf8()))
            victimPid = v.toInteger();
    }
    QVERIFY(victimPid > 0);
    ::kill(pid_t(victimPid), SIGKILL);
    QTRY_VERIFY2_WITH_TIMEOUT(ctl.output().contains(victim + QStringLiteral(" exited (killed by signal 9")),
                              qPrintable(ctl.output()), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(ctl.output().contains(victim + QStringLiteral(" is up")), qPrintable(ctl.output()), 10000);
    // The restarted node is back behind nginx on its old port.
    WsClient again;
    QVERIFY(again.open(wsUrl(ctl.port())));
    QVERIFY(ctl.terminate(15000));
}

void TestDuplexctl::portInUseIsAOneLineError()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    QProcess ctl;
    ctl.start(QStringLiteral(DUPLEX_BIN_DIR "/duplexctl"),
              {QStringLiteral("up"), QStringLiteral("--port"), QString::number(squatter.serverPort())});
    QVERIFY(ctl.waitForFinished(10000));
    QCOMPARE(ctl.exitCode(), 1);
    const QByteArray error = ctl.readAllStandardError();
    QVERIFY2(error.contains("already in use"), error.constData());
    QCOMPARE(error.trimmed().count('\n'), 0);
}

void TestDuplexctl::missingNginxIsAOneLineError()
{
    QProcess ctl;
    ctl.start(QStringLiteral(DUPLEX_BIN_DIR "/duplexctl"),
              {QStringLiteral("up"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--nginx"),
               QStringLiteral("/nonexistent/nginx")});
    QVERIFY(ctl.waitForFinished(10000));
    QCOMPARE(ctl.exitCode(), 1);
    const QByteArray error = ctl.readAllStandardError();
    QVERIFY2(error.contains("nginx not found"), error.constData());
    QCOMPARE(error.trimmed().count('\n'), 0);
}

QTEST_GUILESS_MAIN(TestDuplexctl)
#include "tst_duplexctl.moc"
