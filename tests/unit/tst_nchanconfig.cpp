// Unit tests of core/peer/nchanconfig.{h,cpp}: the rendered configuration's structure and
// the real nginx's own check (`nginx -t`) of it with Debian's nchan module loaded.

#include "needs.h"
#include "peer/nchanconfig.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace duplex::peer;

namespace {

const QString kNginx = QStringLiteral("/usr/sbin/nginx");

NchanSettings settings(const QString &prefix)
{
    NchanSettings s;
    s.prefix = prefix;
    s.port = 18931;
    s.workers = 3;
    s.bufferLength = 777;
    s.messageTimeoutSeconds = 120;
    return s;
}

// The value of the first `directive value;` line outside comments, or a null string.
QString directive(const QString &text, const QString &name)
{
    const QRegularExpression re(QStringLiteral("^\\s*%1\\s+([^;#]*);").arg(QRegularExpression::escape(name)),
                                QRegularExpression::MultilineOption);
    const QRegularExpressionMatch m = re.match(text);
    return m.hasMatch() ? m.captured(1).trimmed() : QString();
}

// The body of `location = <path> { ... }` (no nested blocks in ours), or a null string.
QString location(const QString &text, const QString &path)
{
    const QRegularExpression re(QStringLiteral("location\\s*=\\s*%1\\s*\\{([^}]*)\\}").arg(QRegularExpression::escape(path)));
    const QRegularExpressionMatch m = re.match(text);
    return m.hasMatch() ? m.captured(1) : QString();
}

// Runs `nginx -t` on `config` in `dir`; empty when nginx accepts it, else its complaint.
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

class TestNchanConfig : public QObject
{
    Q_OBJECT

private slots:
    void structure();
    void everyPathInThePrefix();
    void nginxAccepts_data();
    void nginxAccepts();
    void nginxRefusesAMissingModule();
};

void TestNchanConfig::structure()
{
    const QString text = renderNchanConfig(settings(QStringLiteral("/run/nchan-test")));

    // Nothing left to replace, outside comments.
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        const QString code = line.section(QLatin1Char('#'), 0, 0);
        QVERIFY2(!code.contains(QRegularExpression(QStringLiteral("@[A-Z_]+@"))), qPrintable(line));
    }

    QCOMPARE(directive(text, QStringLiteral("load_module")), QString::fromLatin1(kNchanModulePath));
    // load_module must come before any block.
    QVERIFY(text.indexOf(QLatin1String("load_module")) < text.indexOf(QLatin1String("events {")));
    QCOMPARE(directive(text, QStringLiteral("worker_processes")), QStringLiteral("3"));
    QCOMPARE(directive(text, QStringLiteral("listen")), QStringLiteral("127.0.0.1:18931"));

    // Room for 5000 subscribers on one worker, within the hard limit of 20000 files.
    const int connections = directive(text, QStringLiteral("worker_connections")).toInt();
    const int files = directive(text, QStringLiteral("worker_rlimit_nofile")).toInt();
    QVERIFY2(connections >= 5000 + 100, qPrintable(QString::number(connections)));
    QVERIFY2(files >= connections && files <= 20000, qPrintable(QString::number(files)));

    const QString pub = location(text, QString::fromLatin1(kNchanPublishPath));
    QVERIFY2(!pub.isNull(), "no publisher location");
    QCOMPARE(directive(pub, QStringLiteral("nchan_publisher")), QStringLiteral("http"));
    QCOMPARE(directive(pub, QStringLiteral("nchan_channel_id")), QStringLiteral("$duplex_channel"));
    QCOMPARE(directive(pub, QStringLiteral("nchan_message_buffer_length")), QStringLiteral("777"));
    QCOMPARE(directive(pub, QStringLiteral("nchan_message_timeout")), QStringLiteral("120s"));

    const QString sub = location(text, QString::fromLatin1(kNchanSubscribePath));
    QVERIFY2(!sub.isNull(), "no subscriber location");
    QCOMPARE(directive(sub, QStringLiteral("nchan_subscriber")), QStringLiteral("websocket longpoll"));
    QCOMPARE(directive(sub, QStringLiteral("nchan_channel_id")), QStringLiteral("$duplex_channel"));
    QCOMPARE(directive(sub, QStringLiteral("nchan_subscriber_first_message")), QStringLiteral("newest"));

    // The channel comes from ?channel=, "main" without one.
    QVERIFY(text.contains(QRegularExpression(QStringLiteral("map\\s+\\$arg_channel\\s+\\$duplex_channel\\s*\\{"))));
    QVERIFY(text.contains(QRegularExpression(QStringLiteral("\"\"\\s+%1;").arg(QLatin1String(kNchanDefaultChannel)))));

    const QString health = location(text, QString::fromLatin1(kNchanHealthPath));
    QVERIFY2(health.contains(QLatin1String("return 200")), qPrintable(health));
    QVERIFY(location(text, QString::fromLatin1(kNchanStatusPath)).contains(QRegularExpression(QStringLiteral("^\\s*nchan_stub_status;"), QRegularExpression::MultilineOption)));
}

void TestNchanConfig::everyPathInThePrefix()
{
    const QString prefix = QStringLiteral("/run/nchan-test");
    const QString text = renderNchanConfig(settings(prefix));
    QCOMPARE(directive(text, QStringLiteral("pid")), prefix + QStringLiteral("/nginx.pid"));
    QCOMPARE(directive(text, QStringLiteral("error_log")), prefix + QStringLiteral("/logs/error.log warn"));
    QCOMPARE(directive(text, QStringLiteral("access_log")), QStringLiteral("off"));
    for (const char *kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
        const QString name = QLatin1String(kind) + QStringLiteral("_temp_path");
        QCOMPARE(directive(text, name), prefix + QStringLiteral("/temp/") + QLatin1String(kind));
    }
}

void TestNchanConfig::nginxAccepts_data()
{
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("bufferLength");
    QTest::addColumn<int>("timeout");
    QTest::newRow("defaults") << 2 << 10000 << 3600;
    QTest::newRow("one worker, never expire") << 1 << 1 << 0;
    QTest::newRow("many workers") << 8 << 100000 << 86400;
}

void TestNchanConfig::nginxAccepts()
{
    DUPLEX_NEEDS_FILE(kNginx, "nginx-light");
    DUPLEX_NEEDS_FILE(QString::fromLatin1(kNchanModulePath), "libnginx-mod-nchan");
    QFETCH(int, workers);
    QFETCH(int, bufferLength);
    QFETCH(int, timeout);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    NchanSettings s;
    s.prefix = dir.path();
    s.port = 18931; // nginx -t does not bind
    s.workers = workers;
    s.bufferLength = bufferLength;
    s.messageTimeoutSeconds = timeout;
    const QString error = nginxCheck(renderNchanConfig(s), dir.path());
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestNchanConfig::nginxRefusesAMissingModule()
{
    DUPLEX_NEEDS_FILE(kNginx, "nginx-light");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    NchanSettings s = settings(dir.path());
    s.modulePath = dir.path() + QStringLiteral("/no_such_module.so");
    const QString error = nginxCheck(renderNchanConfig(s), dir.path());
    QVERIFY2(error.contains(QLatin1String("no_such_module.so")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestNchanConfig)
#include "tst_nchanconfig.moc"
