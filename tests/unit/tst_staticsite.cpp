// StaticSite: URL paths onto files under one root, never outside it; MIME types.
#include "web/staticsite.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using duplex::web::StaticSite;
using Status = StaticSite::Resolution::Status;

Q_DECLARE_METATYPE(Status)

class TestStaticSite : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void resolve_data();
    void resolve();
    void rootThroughSymlink();
    void missingRoot();
    void mimeType_data();
    void mimeType();

private:
    // Layout under m_base (the root is web/):
    //   web/index.html  web/app.js  web/sub/index.html  web/noindex/  (empty dir)
    //   web/link-in -> app.js             web/link-out -> ../outside.txt
    //   web/dirlink-out -> ..             web/link-sibling -> ../web2/secret.txt
    //   web/dangling -> nothing           outside.txt   web2/secret.txt
    //   weblink -> web
    QString base(const QString &relative) const { return m_base.path() + QLatin1Char('/') + relative; }
    bool write(const QString &relative, const QByteArray &content);
    bool link(const QString &target, const QString &relative);

    QTemporaryDir m_base;
    QString m_root;
};

bool TestStaticSite::write(const QString &relative, const QByteArray &content)
{
    QFile file(base(relative));
    if (file.open(QIODevice::WriteOnly) && file.write(content) == content.size())
        return true;
    qWarning("cannot write %s: %s", qPrintable(relative), qPrintable(file.errorString()));
    return false;
}

bool TestStaticSite::link(const QString &target, const QString &relative)
{
    if (QFile::link(target, base(relative)))
        return true;
    qWarning("cannot link %s to %s", qPrintable(relative), qPrintable(target));
    return false;
}

void TestStaticSite::initTestCase()
{
    QVERIFY(m_base.isValid());
    QDir dir(m_base.path());
    QVERIFY(dir.mkpath(QStringLiteral("web/sub")));
    QVERIFY(dir.mkpath(QStringLiteral("web/noindex")));
    QVERIFY(dir.mkpath(QStringLiteral("web2")));
    QVERIFY(write(QStringLiteral("web/index.html"), "<!doctype html><title>root</title>"));
    QVERIFY(write(QStringLiteral("web/app.js"), "export {};"));
    QVERIFY(write(QStringLiteral("web/sub/index.html"), "<!doctype html><title>sub</title>"));
    QVERIFY(write(QStringLiteral("outside.txt"), "outside the root"));
    QVERIFY(write(QStringLiteral("web2/secret.txt"), "in a sibling whose name starts with the root's"));
    QVERIFY(link(QStringLiteral("app.js"), QStringLiteral("web/link-in")));
    QVERIFY(link(QStringLiteral("../outside.txt"), QStringLiteral("web/link-out")));
    QVERIFY(link(QStringLiteral(".."), QStringLiteral("web/dirlink-out")));
    QVERIFY(link(QStringLiteral("../web2/secret.txt"), QStringLiteral("web/link-sibling")));
    QVERIFY(link(QStringLiteral("../web2"), QStringLiteral("web/dirlink-sibling")));
    QVERIFY(link(QStringLiteral("no-such-file"), QStringLiteral("web/dangling")));
    QVERIFY(link(QStringLiteral("web"), QStringLiteral("weblink")));
    m_root = QFileInfo(base(QStringLiteral("web"))).canonicalFilePath();
    QVERIFY(!m_root.isEmpty());
}

void TestStaticSite::resolve_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<Status>("status");
    QTest::addColumn<QString>("file"); // relative to the root when Ok

    const QString index = QStringLiteral("index.html");
    const QString subIndex = QStringLiteral("sub/index.html");
    QTest::newRow("root") << "/" << Status::Ok << index;
    QTest::newRow("empty") << "" << Status::Ok << index;
    QTest::newRow("index") << "/index.html" << Status::Ok << index;
    QTest::newRow("double slash") << "//index.html" << Status::Ok << index;
    QTest::newRow("dot segment") << "/./index.html" << Status::Ok << index;
    QTest::newRow("dotdot inside") << "/sub/../index.html" << Status::Ok << index;
    QTest::newRow("dir with slash") << "/sub/" << Status::Ok << subIndex;
    QTest::newRow("dir without slash") << "/sub" << Status::Ok << subIndex;
    QTest::newRow("symlink inside") << "/link-in" << Status::Ok << QStringLiteral("app.js");
    QTest::newRow("missing") << "/missing" << Status::NotFound << QString();
    QTest::newRow("missing in missing dir") << "/nodir/missing.js" << Status::NotFound << QString();
    QTest::newRow("dir without index") << "/noindex/" << Status::NotFound << QString();
    QTest::newRow("dangling symlink") << "/dangling" << Status::NotFound << QString();

    // Decoded escapes (what QUrl::path() gives for %2e%2e, %2F, ..): refused.
    QTest::newRow("parent") << "/.." << Status::Forbidden << QString();
    QTest::newRow("parent file") << "/../outside.txt" << Status::Forbidden << QString();
    QTest::newRow("etc passwd") << "/../../etc/passwd" << Status::Forbidden << QString();
    QTest::newRow("deep etc passwd") << "/../../../../../../../../../../etc/passwd" << Status::Forbidden << QString();
    QTest::newRow("via subdir") << "/sub/../../outside.txt" << Status::Forbidden << QString();
    QTest::newRow("sibling by dotdot") << "/../web2/secret.txt" << Status::Forbidden << QString();
    QTest::newRow("no leading slash") << "../outside.txt" << Status::Forbidden << QString();
    QTest::newRow("asterisk") << "*" << Status::Forbidden << QString();
    // Symlinks are judged by where they lead.
    QTest::newRow("symlink out") << "/link-out" << Status::Forbidden << QString();
    QTest::newRow("through dir symlink out") << "/dirlink-out/outside.txt" << Status::Forbidden << QString();
    QTest::newRow("dir symlink out as dir") << "/dirlink-out/" << Status::Forbidden << QString();
    // web2 starts with "web": only a root + "/" prefix check refuses these.
    QTest::newRow("symlink to sibling") << "/link-sibling" << Status::Forbidden << QString();
    QTest::newRow("dir symlink to sibling") << "/dirlink-sibling/secret.txt" << Status::Forbidden << QString();
    // NUL and backslash never reach the file system.
    QTest::newRow("nul") << QStringLiteral("/index.html") + QChar(0) + QStringLiteral(".png") << Status::Forbidden
                         << QString();
    QTest::newRow("nul alone") << QStringLiteral("/") + QChar(0) << Status::Forbidden << QString();
    QTest::newRow("backslash escape") << "/..\\outside.txt" << Status::Forbidden << QString();
    QTest::newRow("backslash inside") << "/sub\\index.html" << Status::Forbidden << QString();

    // Still-encoded forms are names, not decoded a second time: there is no such file.
    QTest::newRow("encoded %2e%2e") << "/%2e%2e/%2e%2e/etc/passwd" << Status::NotFound << QString();
    QTest::newRow("encoded ..%2F..") << "/..%2F..%2Fetc%2Fpasswd" << Status::NotFound << QString();
    QTest::newRow("double encoded %252e") << "/%252e%252e/outside.txt" << Status::NotFound << QString();
}

void TestStaticSite::resolve()
{
    QFETCH(QString, path);
    QFETCH(Status, status);
    QFETCH(QString, file);

    const StaticSite site(base(QStringLiteral("web")));
    const StaticSite::Resolution r = site.resolve(path);
    QCOMPARE(r.status, status);
    if (status == Status::Ok)
        QCOMPARE(r.filePath, m_root + QLatin1Char('/') + file);
    else
        QVERIFY2(r.filePath.isEmpty(), qPrintable(r.filePath));
}

void TestStaticSite::rootThroughSymlink()
{
    // The root's own symlink is resolved once; files are still reported canonically.
    const StaticSite site(base(QStringLiteral("weblink/")));
    QCOMPARE(site.root(), m_root);
    const StaticSite::Resolution r = site.resolve(QStringLiteral("/index.html"));
    QCOMPARE(r.status, Status::Ok);
    QCOMPARE(r.filePath, m_root + QStringLiteral("/index.html"));
    QCOMPARE(site.resolve(QStringLiteral("/link-out")).status, Status::Forbidden);
}

void TestStaticSite::missingRoot()
{
    const StaticSite missing(base(QStringLiteral("no-such-dir")));
    QVERIFY(missing.root().isEmpty());
    QCOMPARE(missing.resolve(QStringLiteral("/")).status, Status::NotFound);

    const StaticSite file(base(QStringLiteral("outside.txt")));
    QVERIFY(file.root().isEmpty());
    QCOMPARE(file.resolve(QStringLiteral("/")).status, Status::NotFound);
}

void TestStaticSite::mimeType_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("type");

    QTest::newRow("html") << "/w/index.html" << QByteArray("text/html; charset=utf-8");
    QTest::newRow("htm") << "/w/old.htm" << QByteArray("text/html; charset=utf-8");
    QTest::newRow("js") << "/w/app.js" << QByteArray("text/javascript; charset=utf-8");
    QTest::newRow("mjs") << "/w/mod.mjs" << QByteArray("text/javascript; charset=utf-8");
    QTest::newRow("upper-case JS") << "/w/APP.JS" << QByteArray("text/javascript; charset=utf-8");
    QTest::newRow("css") << "/w/style.css" << QByteArray("text/css; charset=utf-8");
    QTest::newRow("json") << "/w/data.json" << QByteArray("application/json; charset=utf-8");
    QTest::newRow("svg") << "/w/favicon.svg" << QByteArray("image/svg+xml");
    QTest::newRow("png") << "/w/logo.png" << QByteArray("image/png");
    QTest::newRow("ico") << "/w/favicon.ico" << QByteArray("image/x-icon");
    QTest::newRow("woff2") << "/w/font.woff2" << QByteArray("font/woff2");
    // Others come from the MIME database, by name only.
    QTest::newRow("txt") << "/w/notes.txt" << QByteArray("text/plain; charset=utf-8");
    QTest::newRow("pdf") << "/w/paper.pdf" << QByteArray("application/pdf");
    QTest::newRow("unknown") << "/w/blob.zzqqx" << QByteArray("application/octet-stream");
}

void TestStaticSite::mimeType()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, type);
    QCOMPARE(duplex::web::mimeType(file), type);
}

QTEST_GUILESS_MAIN(TestStaticSite)
#include "tst_staticsite.moc"
