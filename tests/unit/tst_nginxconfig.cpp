// Unit tests of core/nginx/nginxconfig.{h,cpp}: the built-in template rendered with fixed
// settings against reviewed expected files, structural properties of every shape of
// cluster, and the real nginx's own check (`nginx -t`) of each rendered configuration.

#include "needs.h"
#include "nginx/nginxconfig.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace duplex::nginx;

Q_DECLARE_METATYPE(duplex::nginx::CometBalance)

namespace {

const QString kNginx = QStringLiteral("/usr/sbin/nginx");

QList<Upstream> nodes(int count, quint16 firstPort)
{
    QList<Upstream> list;
    for (int i = 0; i < count; ++i) {
        Upstream u;
        u.port = quint16(firstPort + i);
        list << u;
    }
    return list;
}

NginxSettings settings(int ws, int comet, CometBalance balance, const QString &prefix = QStringLiteral("/run/duplex-test"))
{
    NginxSettings s;
    s.prefix = prefix;
    s.port = 8080;
    s.workers = 2;
    s.webSocketNodes = nodes(ws, 41001);
    s.cometNodes = nodes(comet, 41011);
    s.staticNode.port = 41100;
    s.cometBalance = balance;
    return s;
}

QString readFile(const QString &path, bool *ok)
{
    QFile file(path);
    *ok = file.open(QIODevice::ReadOnly);
    return *ok ? QString::fromUtf8(file.readAll()) : QString();
}

// Empty when equal; otherwise where and how the texts first differ.
QString firstDifference(const QString &expected, const QString &actual)
{
    if (expected == actual)
        return {};
    const QStringList e = expected.split(QLatin1Char('\n'));
    const QStringList a = actual.split(QLatin1Char('\n'));
    const int n = int(std::max(e.size(), a.size()));
    for (int i = 0; i < n; ++i) {
        const QString el = i < e.size() ? e.at(i) : QStringLiteral("<end of file>");
        const QString al = i < a.size() ? a.at(i) : QStringLiteral("<end of file>");
        if (el == al)
            continue;
        QString out = QStringLiteral("first difference at line %1 (expected %2 lines, got %3)\n").arg(i + 1).arg(e.size()).arg(a.size());
        for (int c = std::max(0, i - 3); c < i; ++c)
            out += QStringLiteral("  %1\n").arg(e.at(c));
        out += QStringLiteral("- %1\n+ %2\n").arg(el, al);
        return out;
    }
    return QStringLiteral("texts differ in a way lines do not show (line endings?)");
}

// Placeholders or region markers the rendering left behind; empty when none. (The
// template's header comment explains the syntax in prose, "# @NAME@ is replaced ...",
// so comments are searched for the real names only.)
QString leftovers(const QString &text)
{
    static const char *const kNames[] = {"PREFIX", "WORKERS", "LISTEN", "WS_SERVERS", "COMET_SERVERS",
                                         "COMET_BALANCE", "COMET_READ_TIMEOUT", "STATIC_SERVER"};
    for (const char *name : kNames) {
        const QString placeholder = QLatin1Char('@') + QLatin1String(name) + QLatin1Char('@');
        if (text.contains(placeholder))
            return QStringLiteral("placeholder left: ") + placeholder;
    }
    static const QRegularExpression marker(QStringLiteral("^\\s*#\\s*@[A-Z_]+_(BEGIN|END)@\\s*$"),
                                           QRegularExpression::MultilineOption);
    const QRegularExpressionMatch m = marker.match(text);
    if (m.hasMatch())
        return QStringLiteral("region marker left: ") + m.captured();
    // Any @NAME@ outside a comment, not only the known ones. (nginx's named locations,
    // `@comet_too_large`, are lower case and have no closing '@'.)
    static const QRegularExpression placeholder(QStringLiteral("@[A-Z_]+@"));
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString directive = lines.at(i).section(QLatin1Char('#'), 0, 0);
        if (placeholder.match(directive).hasMatch())
            return QStringLiteral("'@NAME@' left outside a comment at line %1: %2").arg(i + 1).arg(lines.at(i));
    }
    return {};
}

// Runs `nginx -t` on `config` rendered for `dir`; empty when nginx accepts it.
QString nginxCheck(const QString &config, const QString &dir)
{
    if (!QDir(dir).mkpath(QStringLiteral("logs")) || !QDir(dir).mkpath(QStringLiteral("temp")))
        return QStringLiteral("cannot create logs/ and temp/ in %1").arg(dir);
    QFile file(dir + QStringLiteral("/nginx.conf"));
    if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0)
        return QStringLiteral("cannot write %1").arg(file.fileName());
    file.close();
    QProcess nginx;
    nginx.setProcessChannelMode(QProcess::MergedChannels);
    nginx.start(kNginx, {QStringLiteral("-t"), QStringLiteral("-p"), dir + QLatin1Char('/'), QStringLiteral("-e"),
                         dir + QStringLiteral("/logs/error.log"), QStringLiteral("-c"), dir + QStringLiteral("/nginx.conf")});
    if (!nginx.waitForFinished(30000))
        return QStringLiteral("nginx -t did not finish: %1").arg(nginx.errorString());
    if (nginx.exitStatus() != QProcess::NormalExit || nginx.exitCode() != 0)
        return QStringLiteral("nginx -t exited with %1:\n%2").arg(nginx.exitCode()).arg(QString::fromLocal8Bit(nginx.readAll()));
    return {};
}

} // namespace

class TestNginxConfig : public QObject
{
    Q_OBJECT

private slots:
    void cometBalanceNames();
    void expectedFile_data();
    void expectedFile();
    void structure_data();
    void structure();
    void customTemplate();
};

void TestNginxConfig::cometBalanceNames()
{
    CometBalance b = CometBalance::Client;
    QVERIFY(cometBalanceFromName(QStringLiteral("ip_hash"), &b));
    QCOMPARE(b, CometBalance::IpHash);
    QVERIFY(cometBalanceFromName(QStringLiteral("client"), &b));
    QCOMPARE(b, CometBalance::Client);
    QVERIFY(!cometBalanceFromName(QStringLiteral("nope"), &b));
    QVERIFY(!cometBalanceFromName(QString(), &b));
    QCOMPARE(b, CometBalance::Client);
}

void TestNginxConfig::expectedFile_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("comet");
    QTest::addColumn<CometBalance>("balance");

    QTest::newRow("ws-only") << "nginx-ws-only.conf" << 0 << CometBalance::IpHash;
    QTest::newRow("ws-comet-client") << "nginx-ws-comet.conf" << 2 << CometBalance::Client;
}

void TestNginxConfig::expectedFile()
{
    QFETCH(QString, file);
    QFETCH(int, comet);
    QFETCH(CometBalance, balance);

    const QString actual = renderNginxConfig(builtinNginxTemplate(), settings(2, comet, balance));
    bool ok = false;
    const QString expectedPath = QStringLiteral(DUPLEX_TEST_DATA_DIR "/") + file;
    const QString expected = readFile(expectedPath, &ok);
    QVERIFY2(ok, qPrintable(QStringLiteral("cannot read %1").arg(expectedPath)));

    const QString leftover = leftovers(actual);
    QVERIFY2(leftover.isEmpty(), qPrintable(leftover));
    const QString diff = firstDifference(expected, actual);
    if (!diff.isEmpty()) {
        // Leave the rendering next to the temp files for a look with a real diff tool.
        const QString actualPath = QDir::temp().filePath(QStringLiteral("tst_nginxconfig-") + file);
        QFile out(actualPath);
        if (out.open(QIODevice::WriteOnly))
            out.write(actual.toUtf8());
        QFAIL(qPrintable(QStringLiteral("%1 differs from the rendering (written to %2):\n%3").arg(expectedPath, actualPath, diff)));
    }

    DUPLEX_NEEDS_FILE(kNginx, "nginx-light");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString forNginx = renderNginxConfig(builtinNginxTemplate(), settings(2, comet, balance, dir.path()));
    const QString error = nginxCheck(forNginx, dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestNginxConfig::structure_data()
{
    QTest::addColumn<int>("ws");
    QTest::addColumn<int>("comet");
    QTest::addColumn<CometBalance>("balance");

    QTest::newRow("ws1") << 1 << 0 << CometBalance::IpHash;
    QTest::newRow("ws2") << 2 << 0 << CometBalance::IpHash;
    QTest::newRow("ws2-client-no-comet") << 2 << 0 << CometBalance::Client;
    QTest::newRow("ws5-comet3-iphash") << 5 << 3 << CometBalance::IpHash;
    QTest::newRow("ws1-comet1-client") << 1 << 1 << CometBalance::Client;
    QTest::newRow("comet-only-iphash") << 0 << 2 << CometBalance::IpHash;
    QTest::newRow("comet-only-client") << 0 << 1 << CometBalance::Client;
    QTest::newRow("static-only") << 0 << 0 << CometBalance::IpHash;
}

void TestNginxConfig::structure()
{
    QFETCH(int, ws);
    QFETCH(int, comet);
    QFETCH(CometBalance, balance);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    NginxSettings s = settings(ws, comet, balance, dir.path());
    s.port = 18089;
    s.workers = 3;
    s.cometHoldSeconds = 7;
    const QString text = renderNginxConfig(builtinNginxTemplate(), s);

    const QString leftover = leftovers(text);
    QVERIFY2(leftover.isEmpty(), qPrintable(leftover));

    QVERIFY(text.contains(QStringLiteral("pid %1/nginx.pid;").arg(dir.path())));
    QVERIFY(text.contains(QStringLiteral("error_log %1/logs/error.log").arg(dir.path())));
    QVERIFY(text.contains(QLatin1String("worker_processes 3;")));
    QVERIFY(text.contains(QLatin1String("listen 127.0.0.1:18089;")));
    QVERIFY(text.contains(QLatin1String("server 127.0.0.1:41100;")));

    QCOMPARE(text.contains(QLatin1String("upstream websocket")), ws > 0);
    QCOMPARE(text.contains(QLatin1String("location /ws/")), ws > 0);
    QCOMPARE(text.contains(QLatin1String("proxy_pass http://websocket;")), ws > 0);
    QCOMPARE(text.contains(QLatin1String("least_conn;")), ws > 0);
    QCOMPARE(text.contains(QLatin1String("upstream comet")), comet > 0);
    QCOMPARE(text.contains(QLatin1String("location /xhr/")), comet > 0);
    QCOMPARE(text.contains(QLatin1String("proxy_pass http://comet;")), comet > 0);
    QCOMPARE(text.contains(QLatin1String("ip_hash")), comet > 0 && balance == CometBalance::IpHash);
    QCOMPARE(text.contains(QLatin1String("ip_hash;")), comet > 0 && balance == CometBalance::IpHash);
    QCOMPARE(text.contains(QLatin1String("hash $arg_clientId consistent;")), comet > 0 && balance == CometBalance::Client);
    QCOMPARE(text.contains(QLatin1String("proxy_read_timeout 24s;")), comet > 0); // 2 * hold + 10

    // One server line per node, each under its own upstream.
    for (int i = 0; i < ws; ++i)
        QVERIFY(text.contains(QStringLiteral("server 127.0.0.1:%1 max_fails=1 fail_timeout=2s;").arg(41001 + i)));
    for (int i = 0; i < comet; ++i)
        QVERIFY(text.contains(QStringLiteral("server 127.0.0.1:%1 max_fails=1 fail_timeout=2s;").arg(41011 + i)));
    QCOMPARE(text.count(QLatin1String("max_fails=1")), ws + comet);
    if (ws > 0) {
        const int begin = text.indexOf(QLatin1String("upstream websocket {"));
        const QString block = text.mid(begin, text.indexOf(QLatin1Char('}'), begin) - begin);
        QCOMPARE(block.count(QLatin1String("server ")), ws);
    }
    if (comet > 0) {
        const int begin = text.indexOf(QLatin1String("upstream comet {"));
        const QString block = text.mid(begin, text.indexOf(QLatin1Char('}'), begin) - begin);
        QCOMPARE(block.count(QLatin1String("server ")), comet);
    }
    QCOMPARE(text.count(QLatin1Char('{')), text.count(QLatin1Char('}')));

    DUPLEX_NEEDS_FILE(kNginx, "nginx-light");
    const QString error = nginxCheck(text, dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestNginxConfig::customTemplate()
{
    // Any template of the same shape: regions kept or dropped with their markers, values
    // replaced everywhere they occur, indented markers recognised.
    const QString tpl = QStringLiteral(
        "a @PREFIX@ @PREFIX@\n"
        "  # @WS_BEGIN@\n"
        "ws @WS_SERVERS@\n"
        "  # @WS_END@\n"
        "# @COMET_BEGIN@\n"
        "comet @COMET_BALANCE@ @COMET_READ_TIMEOUT@\n"
        "# @COMET_END@\n"
        "z @LISTEN@ @WORKERS@ @STATIC_SERVER@");
    NginxSettings s;
    s.prefix = QStringLiteral("/p");
    s.listenAddress = QStringLiteral("0.0.0.0");
    s.port = 81;
    s.workers = 4;
    Upstream node;
    node.host = QStringLiteral("10.0.0.1");
    node.port = 9;
    s.webSocketNodes = {node};
    s.staticNode.port = 7;
    QCOMPARE(renderNginxConfig(tpl, s),
             QStringLiteral("a /p /p\n"
                            "ws         server 10.0.0.1:9 max_fails=1 fail_timeout=2s;\n"
                            "z 0.0.0.0:81 4 127.0.0.1:7"));
    s.webSocketNodes.clear();
    s.cometNodes = {node};
    s.cometHoldSeconds = 1;
    QCOMPARE(renderNginxConfig(tpl, s),
             QStringLiteral("a /p /p\n"
                            "comet ip_hash 12\n"
                            "z 0.0.0.0:81 4 127.0.0.1:7"));
}

QTEST_GUILESS_MAIN(TestNginxConfig)
#include "tst_nginxconfig.moc"
