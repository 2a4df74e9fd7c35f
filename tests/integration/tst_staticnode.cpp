// duplex-static-node as a real process: files with the right types, no way out of the
// root (request targets written byte for byte, never normalised by QUrl), 404/405 bodies,
// HEAD, --help, a missing root, and the admin port.
#include "serverprocess.h"

#include "metrics/metrics.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr char kBinary[] = "duplex-static-node";
constexpr char kOutsideMarker[] = "OUTSIDE-THE-ROOT-7f3a";

struct HttpResult
{
    int status = 0; // 0: no complete response (closed or timed out); -1: not HTTP
    QMap<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;
};

// A keep-alive HTTP/1.1 connection that sends requests exactly as given, so targets
// such as /../x or /%2e%2e/x reach the server literally.
class RawHttp final
{
public:
    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.waitForConnected(5000);
    }

    // Writes `request` and reads one response; a HEAD response has no body to read.
    HttpResult exchange(const QByteArray &request, bool head = false)
    {
        m_socket.write(request);
        m_socket.flush();
        HttpResult result;
        QDeadlineTimer deadline(5000);
        int headerEnd = -1;
        while ((headerEnd = m_buffer.indexOf("\r\n\r\n")) < 0) {
            if (!waitForMore(deadline))
                return result;
        }
        const QList<QByteArray> lines = m_buffer.left(headerEnd).split('\n');
        const QByteArray statusLine = lines.first().trimmed();
        if (!statusLine.startsWith("HTTP/1.1 ")) {
            result.status = -1;
            return result;
        }
        result.status = statusLine.mid(9, 3).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const int colon = lines[i].indexOf(':');
            if (colon > 0)
                result.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        m_buffer.remove(0, headerEnd + 4);
        const qsizetype length = head ? 0 : result.headers.value("content-length").toLongLong();
        while (m_buffer.size() < length) {
            if (!waitForMore(deadline)) {
                result.status = 0;
                return result;
            }
        }
        result.body = m_buffer.left(length);
        m_buffer.remove(0, length);
        return result;
    }

private:
    bool waitForMore(const QDeadlineTimer &deadline)
    {
        if (m_socket.state() != QAbstractSocket::ConnectedState && !m_socket.bytesAvailable())
            return false;
        if (!m_socket.bytesAvailable() && !m_socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime()))))
            return false;
        m_buffer += m_socket.readAll();
        return true;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

QByteArray get(const QByteArray &target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

HttpResult fetchOnce(quint16 port, const QByteArray &request, bool head = false)
{
    RawHttp http;
    if (!http.connectTo(port))
        return {};
    return http.exchange(request, head);
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestStaticNode : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void servesFiles_data();
    void servesFiles();
    void noEscape_data();
    void noEscape();
    void notFoundBody();
    void methodNotAllowed();
    void headHasLengthAndNoBody();
    void defaultRoot();
    void help();
    void missingRoot();
    void admin();

private:
    QString webPath(const QString &relative) const { return m_base.path() + QStringLiteral("/web/") + relative; }
    bool startNode(ServerProcess &node);

    QTemporaryDir m_base;
    ServerProcess m_node;
    QByteArray m_passwd; // the first line of /etc/passwd, which must never be served
};

void TestStaticNode::initTestCase()
{
    QVERIFY(m_base.isValid());
    QVERIFY(QDir(m_base.path()).mkpath(QStringLiteral("web/sub")));
    const QList<QPair<QString, QByteArray>> files = {
        {QStringLiteral("web/index.html"), "<!doctype html><title>test root</title>\n"},
        {QStringLiteral("web/app.js"), "export const answer = 42;\n"},
        {QStringLiteral("web/style.css"), "body { color: black; }\n"},
        {QStringLiteral("web/sub/index.html"), "<!doctype html><title>sub</title>\n"},
        {QStringLiteral("outside.txt"), kOutsideMarker},
    };
    for (const auto &f : files) {
        QFile file(m_base.path() + QLatin1Char('/') + f.first);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(f.second);
    }
    QVERIFY(QFile::link(QStringLiteral("../outside.txt"), webPath(QStringLiteral("link-out"))));
    m_passwd = readFile(QStringLiteral("/etc/passwd")).split('\n').first();
    QVERIFY2(!m_passwd.isEmpty(), "the escape tests need /etc/passwd to look for");
    QVERIFY(startNode(m_node));
    QCOMPARE(m_node.ready().value(QStringLiteral("root")).toString(),
             QFileInfo(m_base.path() + QStringLiteral("/web")).canonicalFilePath());
}

bool TestStaticNode::startNode(ServerProcess &node)
{
    const bool ok = node.start(kBinary, {QStringLiteral("--root"), m_base.path() + QStringLiteral("/web")});
    if (!ok)
        qWarning("%s", qPrintable(node.output()));
    return ok;
}

void TestStaticNode::servesFiles_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("type");

    QTest::newRow("/") << QByteArray("/") << "index.html" << QByteArray("text/html; charset=utf-8");
    QTest::newRow("index") << QByteArray("/index.html") << "index.html" << QByteArray("text/html; charset=utf-8");
    QTest::newRow("js") << QByteArray("/app.js") << "app.js" << QByteArray("text/javascript; charset=utf-8");
    QTest::newRow("css") << QByteArray("/style.css") << "style.css" << QByteArray("text/css; charset=utf-8");
    QTest::newRow("subdir") << QByteArray("/sub/") << "sub/index.html" << QByteArray("text/html; charset=utf-8");
    QTest::newRow("query ignored") << QByteArray("/app.js?v=../../x") << "app.js"
                                   << QByteArray("text/javascript; charset=utf-8");
}

void TestStaticNode::servesFiles()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, file);
    QFETCH(QByteArray, type);

    const HttpResult r = fetchOnce(m_node.port(), get(target));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.headers.value("content-type"), type);
    QCOMPARE(r.headers.value("cache-control"), QByteArray("no-cache"));
    QCOMPARE(r.headers.value("x-content-type-options"), QByteArray("nosniff"));
    QCOMPARE(r.body, readFile(webPath(file)));
}

void TestStaticNode::noEscape_data()
{
    QTest::addColumn<QByteArray>("target");

    const QByteArray deep = QByteArray("/..").repeated(12);
    QTest::newRow("../../etc/passwd") << QByteArray("/../../etc/passwd");
    QTest::newRow("deep ../etc/passwd") << deep + "/etc/passwd";
    QTest::newRow("%2e%2e/%2e%2e/etc/passwd") << QByteArray("/%2e%2e/%2e%2e/etc/passwd");
    QTest::newRow("deep %2e%2e") << QByteArray("/%2e%2e").repeated(12) + "/etc/passwd";
    QTest::newRow("..%2f..%2fetc%2fpasswd") << QByteArray("/..%2f..%2fetc%2fpasswd");
    QTest::newRow("deep ..%2F") << "/" + QByteArray("..%2F").repeated(12) + "etc%2Fpasswd";
    QTest::newRow("all encoded") << QByteArray("/%2e%2e%2f").repeated(12) + "etc%2fpasswd";
    QTest::newRow("double encoded") << QByteArray("/%252e%252e").repeated(12) + "/etc/passwd";
    QTest::newRow("no leading slash") << QByteArray("../../../../../../../../../../etc/passwd");
    QTest::newRow("absolute-form") << "http://127.0.0.1" + deep + "/etc/passwd";
    QTest::newRow("../outside.txt") << QByteArray("/../outside.txt");
    QTest::newRow(".%2e/outside.txt") << QByteArray("/.%2e/outside.txt");
    QTest::newRow("%2e%2e/outside.txt") << QByteArray("/%2e%2e/outside.txt");
    QTest::newRow("..%2foutside.txt") << QByteArray("/..%2foutside.txt");
    QTest::newRow("sub/../../outside.txt") << QByteArray("/sub/../../outside.txt");
    QTest::newRow("sub/%2e%2e/%2e%2e") << QByteArray("/sub/%2e%2e/%2e%2e/outside.txt");
    QTest::newRow("backslash") << QByteArray("/..\\outside.txt");
    QTest::newRow("encoded backslash") << QByteArray("/..%5coutside.txt");
    QTest::newRow("nul") << QByteArray("/..%00/../outside.txt");
    QTest::newRow("symlink out") << QByteArray("/link-out");
}

void TestStaticNode::noEscape()
{
    QFETCH(QByteArray, target);

    const HttpResult r = fetchOnce(m_node.port(), get(target));
    QVERIFY2(!r.body.contains(m_passwd), r.body.constData());
    QVERIFY2(!r.body.contains(kOutsideMarker), r.body.constData());
    // Qt 6.4 passes all of these to the handler; refusals look like any missing file.
    QCOMPARE(r.status, 404);
    QVERIFY2(r.body.startsWith("not found: "), r.body.constData());
}

void TestStaticNode::notFoundBody()
{
    const HttpResult r = fetchOnce(m_node.port(), get("/no-such-page.html"));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.headers.value("content-type"), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(r.body, QByteArray("not found: /no-such-page.html\n"));
    QCOMPARE(r.headers.value("content-length"), QByteArray::number(r.body.size()));
}

void TestStaticNode::methodNotAllowed()
{
    for (const QByteArray method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
        const HttpResult r = fetchOnce(m_node.port(),
                                       method + " /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\nhi");
        QCOMPARE(r.status, 405);
        QCOMPARE(r.headers.value("allow"), QByteArray("GET, HEAD"));
        QCOMPARE(r.headers.value("content-type"), QByteArray("text/plain; charset=utf-8"));
        QVERIFY2(r.body.startsWith("method not allowed"), r.body.constData());
    }
}

void TestStaticNode::headHasLengthAndNoBody()
{
    RawHttp http;
    QVERIFY(http.connectTo(m_node.port()));
    const HttpResult head = http.exchange("HEAD /app.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", true);
    QCOMPARE(head.status, 200);
    QCOMPARE(head.headers.value("content-type"), QByteArray("text/javascript; charset=utf-8"));
    QCOMPARE(head.headers.value("content-length"), QByteArray::number(QFileInfo(webPath("app.js")).size()));
    // On the same connection the next bytes must be the next response's status line:
    // a body after the HEAD headers would come first and break it.
    const HttpResult next = http.exchange(get("/style.css"));
    QCOMPARE(next.status, 200);
    QCOMPARE(next.body, readFile(webPath(QStringLiteral("style.css"))));
}

void TestStaticNode::defaultRoot()
{
    ServerProcess node;
    QVERIFY2(node.start(kBinary, {}), qPrintable(node.output()));
    const QString root = QFileInfo(QStringLiteral(DUPLEX_BIN_DIR "/../share/duplex/web")).canonicalFilePath();
    QVERIFY2(!root.isEmpty(), "the build copies resources/web next to the binaries");
    QCOMPARE(node.ready().value(QStringLiteral("root")).toString(), root);

    const HttpResult page = fetchOnce(node.port(), get("/"));
    QCOMPARE(page.status, 200);
    QCOMPARE(page.headers.value("content-type"), QByteArray("text/html; charset=utf-8"));
    QCOMPARE(page.body, readFile(root + QStringLiteral("/index.html")));
    // The page's ES modules, at the top and in lib/: a module served under any other
    // type is refused by the browser.
    for (const char *module : {"/app.mjs", "/lib/transport.mjs"}) {
        const HttpResult script = fetchOnce(node.port(), get(module));
        QCOMPARE(script.status, 200);
        QCOMPARE(script.headers.value("content-type"), QByteArray("text/javascript; charset=utf-8"));
        QCOMPARE(script.body, readFile(root + QString::fromLatin1(module)));
    }
    const HttpResult style = fetchOnce(node.port(), get("/style.css"));
    QCOMPARE(style.status, 200);
    QCOMPARE(style.headers.value("content-type"), QByteArray("text/css; charset=utf-8"));
    QVERIFY(node.terminate());
}

void TestStaticNode::help()
{
    QProcess process;
    process.start(QStringLiteral(DUPLEX_BIN_DIR "/") + kBinary, {QStringLiteral("--help")});
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    const QByteArray out = process.readAllStandardOutput();
    QVERIFY2(out.contains("--root <dir>"), out.constData());
    QVERIFY2(out.contains("--admin-port"), out.constData());
}

void TestStaticNode::missingRoot()
{
    const QString missing = m_base.path() + QStringLiteral("/no-such-dir");
    QProcess process;
    process.start(QStringLiteral(DUPLEX_BIN_DIR "/") + kBinary, {QStringLiteral("--root"), missing});
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 1);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(err.endsWith('\n') && err.count('\n') == 1, err.constData());
    QVERIFY2(err.contains("web root " + missing.toUtf8() + " does not exist"), err.constData());
    QVERIFY(!process.readAllStandardOutput().contains("READY"));
}

void TestStaticNode::admin()
{
    // A node of its own, so the counters hold exactly the requests made here.
    ServerProcess node;
    QVERIFY(startNode(node));
    QVERIFY(node.adminPort() != 0 && node.adminPort() != node.port());

    const HttpResult index = fetchOnce(node.port(), get("/index.html"));
    const HttpResult script = fetchOnce(node.port(), get("/app.js"));
    const HttpResult missing = fetchOnce(node.port(), get("/missing"));
    const HttpResult post = fetchOnce(node.port(), "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    const HttpResult head = fetchOnce(node.port(), "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", true);
    QCOMPARE(index.status, 200);
    QCOMPARE(script.status, 200);
    QCOMPARE(missing.status, 404);
    QCOMPARE(post.status, 405);
    QCOMPARE(head.status, 200);

    const HttpResult health = fetchOnce(node.adminPort(), get("/healthz"));
    QCOMPARE(health.status, 200);
    const HttpResult metrics = fetchOnce(node.adminPort(), get("/metrics"));
    QCOMPARE(metrics.status, 200);
    const QMap<QByteArray, double> values = duplex::metrics::Metrics::parse(metrics.body);
    QCOMPARE(values.value("duplex_http_requests_total", -1), 5.0);
    QCOMPARE(values.value("duplex_http_responses_2xx_total", -1), 3.0);
    QCOMPARE(values.value("duplex_http_responses_4xx_total", -1), 2.0);
    QCOMPARE(values.value("duplex_http_responses_5xx_total", -1), 0.0);
    QCOMPARE(values.value("duplex_bytes_out_total", -1),
             double(index.body.size() + script.body.size() + missing.body.size() + post.body.size()));
    QVERIFY(values.value("process_resident_memory_bytes") > 0);
    QVERIFY(node.terminate());
}

QTEST_GUILESS_MAIN(TestStaticNode)
#include "tst_staticnode.moc"
