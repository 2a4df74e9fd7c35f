// `duplexctl bench thesis|scale` options: defaults, every option, and refusals.
#include "ctl/ctloptions.h"

#include <QtTest>

using duplex::bench::BenchConfig;
using duplex::ctl::CtlParse;
using duplex::protocol::Transport;

Q_DECLARE_METATYPE(CtlParse::Status)

namespace {
QStringList argv(const QString &line)
{
    return QStringList{QStringLiteral("duplexctl")} + line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}
} // namespace

class TestBenchOptions final : public QObject
{
    Q_OBJECT

private slots:
    void thesisDefaults();
    void thesisEverything();
    void scaleDefaults();
    void scaleEverything();
    void scalePeer();
    void refused_data();
    void refused();
    void help_data();
    void help();
};

void TestBenchOptions::thesisDefaults()
{
    const CtlParse r = duplex::ctl::parseCtlOptions(argv(QStringLiteral("bench thesis")));
    QVERIFY2(r.status == CtlParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.command, CtlParse::Command::Bench);
    QCOMPARE(r.bench.kind, BenchConfig::Kind::Thesis);
    QCOMPARE(r.bench.clients, 100);
    QCOMPARE(r.bench.iterations, 100);
    QCOMPARE(r.bench.size, 16);
    QCOMPARE(r.bench.intervalMs, 5);
    QCOMPARE(r.bench.outDir, QStringLiteral("."));
}

void TestBenchOptions::thesisEverything()
{
    const CtlParse r = duplex::ctl::parseCtlOptions(
        argv(QStringLiteral("bench thesis --out /tmp/t --clients 7 --iterations 9 --size 20 --interval-ms 3 --nginx /x/nginx")));
    QVERIFY2(r.status == CtlParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.bench.outDir, QStringLiteral("/tmp/t"));
    QCOMPARE(r.bench.clients, 7);
    QCOMPARE(r.bench.iterations, 9);
    QCOMPARE(r.bench.size, 20);
    QCOMPARE(r.bench.intervalMs, 3);
    QCOMPARE(r.bench.nginxProgram, QStringLiteral("/x/nginx"));
}

void TestBenchOptions::scaleDefaults()
{
    const CtlParse r = duplex::ctl::parseCtlOptions(argv(QStringLiteral("bench scale")));
    QVERIFY2(r.status == CtlParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.bench.kind, BenchConfig::Kind::Scale);
    QCOMPARE(r.bench.sizes, (QList<int>{100, 1000, 5000}));
    QCOMPARE(r.bench.transports, (QList<Transport>{Transport::WebSocket, Transport::Comet}));
    QCOMPARE(r.bench.rate, 10.0);
    QCOMPARE(r.bench.durationSeconds, 10.0);
}

void TestBenchOptions::scaleEverything()
{
    const CtlParse r = duplex::ctl::parseCtlOptions(
        argv(QStringLiteral("bench scale --sizes 10,20 --transports comet --rate 2.5 --duration 4 --out o")));
    QVERIFY2(r.status == CtlParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.bench.sizes, (QList<int>{10, 20}));
    QCOMPARE(r.bench.transports, QList<Transport>{Transport::Comet});
    QCOMPARE(r.bench.rate, 2.5);
    QCOMPARE(r.bench.durationSeconds, 4.0);
    QCOMPARE(r.bench.outDir, QStringLiteral("o"));
}

void TestBenchOptions::scalePeer()
{
    const CtlParse without = duplex::ctl::parseCtlOptions(argv(QStringLiteral("bench scale")));
    QVERIFY(without.bench.peer.isEmpty());
    const CtlParse r = duplex::ctl::parseCtlOptions(argv(QStringLiteral("bench scale --sizes 5 --peer nchan")));
    QVERIFY2(r.status == CtlParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.bench.peer, QStringLiteral("nchan"));
    QCOMPARE(r.bench.sizes, QList<int>{5});
}

void TestBenchOptions::refused_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("error");
    QTest::newRow("no-experiment") << "bench" << "thesis or scale";
    QTest::newRow("unknown-experiment") << "bench fastest" << "fastest";
    QTest::newRow("clients-0") << "bench thesis --clients 0" << "--clients";
    QTest::newRow("iterations-1") << "bench thesis --iterations 1" << "--iterations";
    QTest::newRow("size-8") << "bench thesis --size 8" << "--size";
    QTest::newRow("interval-0") << "bench thesis --interval-ms 0" << "--interval-ms";
    QTest::newRow("thesis-takes-no-sizes") << "bench thesis --sizes 10" << "sizes";
    QTest::newRow("scale-takes-no-clients") << "bench scale --clients 10" << "clients";
    QTest::newRow("sizes-text") << "bench scale --sizes 10,many" << "--sizes";
    QTest::newRow("sizes-huge") << "bench scale --sizes 20000" << "--sizes";
    QTest::newRow("transports") << "bench scale --transports ws,sse" << "--transports";
    QTest::newRow("rate-0") << "bench scale --rate 0" << "--rate";
    QTest::newRow("duration-0") << "bench scale --duration 0" << "--duration";
    QTest::newRow("positional") << "bench scale extra" << "extra";
    QTest::newRow("thesis-takes-no-peer") << "bench thesis --peer nchan" << "peer";
    QTest::newRow("peer-unknown") << "bench scale --peer faye" << "--peer";
    QTest::newRow("peer-empty") << "bench scale --peer=" << "--peer";
}

void TestBenchOptions::refused()
{
    QFETCH(QString, line);
    QFETCH(QString, error);
    const CtlParse r = duplex::ctl::parseCtlOptions(argv(line));
    QVERIFY2(r.status == CtlParse::Status::Error, qPrintable(r.text));
    QVERIFY2(r.text.contains(error), qPrintable(r.text));
    QVERIFY(!r.text.contains(QLatin1Char('\n')));
}

void TestBenchOptions::help_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QStringList>("mentions");
    QTest::newRow("overview") << "--help" << QStringList{"up", "bench"};
    QTest::newRow("bench") << "bench --help" << QStringList{"thesis", "scale"};
    QTest::newRow("thesis") << "bench thesis --help" << QStringList{"--clients", "--iterations", "--size", "--interval-ms", "thesis.png"};
    QTest::newRow("scale") << "bench scale --help" << QStringList{"--sizes", "--transports", "--rate", "--duration", "/proc", "--peer"};
}

void TestBenchOptions::help()
{
    QFETCH(QString, line);
    QFETCH(QStringList, mentions);
    const CtlParse r = duplex::ctl::parseCtlOptions(argv(line));
    QVERIFY2(r.status == CtlParse::Status::Help, qPrintable(r.text));
    for (const QString &m : mentions)
        QVERIFY2(r.text.contains(m), qPrintable(QStringLiteral("no %1 in:\n%2").arg(m, r.text)));
}

QTEST_GUILESS_MAIN(TestBenchOptions)
#include "tst_benchoptions.moc"
