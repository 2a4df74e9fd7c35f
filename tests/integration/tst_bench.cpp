// `duplexctl bench thesis|scale` as a user runs them, on small bounded experiments: the
// files they write and the tables they print must add up.
#include "load/iterationcsv.h"
#include "needs.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

class TestBench final : public QObject
{
    Q_OBJECT

private slots:
    void thesisWritesCsvChartAndTable();
    void scaleWritesOneRowPerRun();
    void scaleAgainstNchan();
    void missingNginxFailsCleanly();
};

namespace {

QProcess *runCtl(QObject *parent, const QStringList &arguments)
{
    auto *process = new QProcess(parent);
    process->start(QStringLiteral(DUPLEX_BIN_DIR "/duplexctl"), arguments);
    return process;
}

} // namespace

void TestBench::thesisWritesCsvChartAndTable()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    QProcess *ctl = runCtl(this, {QStringLiteral("bench"), QStringLiteral("thesis"), QStringLiteral("--out"), out.path(),
                                  QStringLiteral("--clients"), QStringLiteral("10"), QStringLiteral("--iterations"),
                                  QStringLiteral("30"), QStringLiteral("--interval-ms"), QStringLiteral("10")});
    QVERIFY(ctl->waitForFinished(120000));
    const QByteArray table = ctl->readAllStandardOutput();
    const QByteArray log = ctl->readAllStandardError();
    QVERIFY2(ctl->exitCode() == 0, log.constData());

    // The table: one Markdown row per transport, everything delivered.
    for (const char *label : {"WebSocket", "Comet"}) {
        const int at = int(table.indexOf(QByteArray("\n| ") + label + ' '));
        QVERIFY2(at >= 0, table.constData());
        const QByteArray row = table.mid(at + 1, table.indexOf('\n', at + 1) - at - 1);
        QVERIFY2(row.contains(" 300 / 300 |"), row.constData());
    }

    // The CSV: 30 iterations per transport, the figure present from the second on.
    QFile csv(QDir(out.path()).filePath(QStringLiteral("thesis.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const duplex::load::CsvParse parsed = duplex::load::parseCsv(csv.readAll());
    QVERIFY2(parsed.status == duplex::load::CsvParse::Status::Ok, qPrintable(parsed.error));
    QCOMPARE(parsed.transports.size(), 2);
    for (const auto &[transport, rows] : parsed.transports) {
        QCOMPARE(rows.size(), 30);
        for (int i = 1; i < rows.size(); ++i) {
            QCOMPARE(rows.at(i).iteration, qint64(i));
            QCOMPARE(rows.at(i).clients, qint64(10));
            QVERIFY(rows.at(i).meanInterMessageMs >= 0);
            QVERIFY(rows.at(i).meanLatencyMs > 0);
        }
    }

#if DUPLEX_WITH_GUI
    // The chart, drawn by duplex-chart: a PNG of 1280x720 (read from its header).
    QVERIFY2(table.contains("chart: " + QDir(out.path()).filePath(QStringLiteral("thesis.png")).toUtf8()), table.constData());
#else
    // No GUI in this build: the table says so and how to draw it elsewhere.
    QVERIFY2(table.contains("chart: not drawn: this build has no GUI"), table.constData());
    return;
#endif
    QFile png(QDir(out.path()).filePath(QStringLiteral("thesis.png")));
    QVERIFY(png.open(QIODevice::ReadOnly));
    const QByteArray head = png.read(24);
    QCOMPARE(head.left(8), QByteArray("\x89PNG\r\n\x1a\n", 8));
    QCOMPARE(qFromBigEndian<quint32>(head.constData() + 16), quint32(1280));
    QCOMPARE(qFromBigEndian<quint32>(head.constData() + 20), quint32(720));
    QVERIFY(png.size() > 20000); // lines and labels, not an empty frame
}

void TestBench::scaleWritesOneRowPerRun()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    QProcess *ctl = runCtl(this, {QStringLiteral("bench"), QStringLiteral("scale"), QStringLiteral("--out"), out.path(),
                                  QStringLiteral("--sizes"), QStringLiteral("5,20"), QStringLiteral("--rate"),
                                  QStringLiteral("20"), QStringLiteral("--duration"), QStringLiteral("1")});
    QVERIFY(ctl->waitForFinished(180000));
    const QByteArray log = ctl->readAllStandardError();
    QVERIFY2(ctl->exitCode() == 0, log.constData());
    QFile json(QDir(out.path()).filePath(QStringLiteral("scale.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonArray rows = QJsonDocument::fromJson(json.readAll()).object().value(QStringLiteral("rows")).toArray();
    QCOMPARE(rows.size(), 4);
    QStringList seen;
    for (const QJsonValue &value : rows) {
        const QJsonObject row = value.toObject();
        const int subscribers = row.value(QStringLiteral("subscribers")).toInt();
        seen << QStringLiteral("%1/%2").arg(row.value(QStringLiteral("transport")).toString()).arg(subscribers);
        QCOMPARE(row.value(QStringLiteral("expected")).toInteger(), qint64(subscribers) * 20);
        QCOMPARE(row.value(QStringLiteral("delivered")).toInteger(), qint64(subscribers) * 20);
        QCOMPARE(row.value(QStringLiteral("lost")).toInteger(), qint64(0));
        // Measured from /proc: the servers did work to deliver, and held memory.
        QVERIFY2(row.value(QStringLiteral("serverCpuMicrosPerDelivery")).toDouble() >= 0, qPrintable(seen.last()));
    }
    QCOMPARE(seen, (QStringList{QStringLiteral("ws/5"), QStringLiteral("comet/5"), QStringLiteral("ws/20"), QStringLiteral("comet/20")}));
}

void TestBench::scaleAgainstNchan()
{
    DUPLEX_NEEDS_FILE(QStringLiteral("/usr/lib/nginx/modules/ngx_nchan_module.so"), "libnginx-mod-nchan");
    QTemporaryDir out;
    QVERIFY(out.isValid());
    QProcess *ctl = runCtl(this, {QStringLiteral("bench"), QStringLiteral("scale"), QStringLiteral("--out"), out.path(),
                                  QStringLiteral("--sizes"), QStringLiteral("5"), QStringLiteral("--transports"),
                                  QStringLiteral("ws,comet"), QStringLiteral("--rate"), QStringLiteral("20"),
                                  QStringLiteral("--duration"), QStringLiteral("1"), QStringLiteral("--peer"), QStringLiteral("nchan")});
    QVERIFY(ctl->waitForFinished(180000));
    const QByteArray table = ctl->readAllStandardOutput();
    const QByteArray log = ctl->readAllStandardError();
    QVERIFY2(ctl->exitCode() == 0, log.constData());
    QVERIFY2(table.contains("nchan") && table.contains("Duplex/nchan"), table.constData());
    QFile json(QDir(out.path()).filePath(QStringLiteral("scale.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject document = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(document.value(QStringLiteral("peer")).toString(), QStringLiteral("nchan"));
    const QJsonArray rows = document.value(QStringLiteral("rows")).toArray();
    QCOMPARE(rows.size(), 2);
    for (const QJsonValue &value : rows) {
        const QJsonObject row = value.toObject();
        QCOMPARE(row.value(QStringLiteral("delivered")).toInteger(), qint64(5 * 20));
        const QJsonObject peer = row.value(QStringLiteral("peer")).toObject();
        QCOMPARE(peer.value(QStringLiteral("transport")), row.value(QStringLiteral("transport")));
        QCOMPARE(peer.value(QStringLiteral("expected")).toInteger(), qint64(5 * 20));
        QCOMPARE(peer.value(QStringLiteral("delivered")).toInteger(), qint64(5 * 20));
        QCOMPARE(peer.value(QStringLiteral("lost")).toInteger(), qint64(0));
        const QJsonObject ratio = row.value(QStringLiteral("ratio")).toObject();
        for (const char *key : {"deliveredPerSecond", "p50Ms", "p99Ms", "serverCpuMicrosPerDelivery", "rssPerConnectionBytes"})
            QVERIFY2(ratio.contains(QLatin1String(key)), key);
        // Both delivered the same messages over the same time: about as many per second.
        QVERIFY(ratio.value(QStringLiteral("deliveredPerSecond")).toDouble() > 0);
    }
}

void TestBench::missingNginxFailsCleanly()
{
    QTemporaryDir out;
    QProcess *ctl = runCtl(this, {QStringLiteral("bench"), QStringLiteral("thesis"), QStringLiteral("--out"), out.path(),
                                  QStringLiteral("--nginx"), QStringLiteral("/nonexistent/nginx")});
    QVERIFY(ctl->waitForFinished(30000));
    QCOMPARE(ctl->exitCode(), 1);
    const QByteArray log = ctl->readAllStandardError();
    QVERIFY2(log.contains("nginx not found"), log.constData());
    QVERIFY(!QFile::exists(QDir(out.path()).filePath(QStringLiteral("thesis.png"))));
}

QTEST_GUILESS_MAIN(TestBench)
#include "tst_bench.moc"
