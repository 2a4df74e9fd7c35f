// Contract: web::StaticSite::resolve, given any URL path a client sends (as QUrl::path()
// decodes it, and raw), never resolves outside the web root: an Ok names a regular file
// whose canonical path is itself and lies under the root, never the files placed beside
// the root (a sibling "root2" sharing its prefix, a file above it) even through the
// symlinks inside the root that point out. No crash on any path.
#include "fuzzcheck.h"

#include "web/staticsite.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QUrl>

#include <cstddef>
#include <cstdint>
#include <memory>

using duplex::web::StaticSite;

namespace {

struct Site
{
    QTemporaryDir base; // removed when the fuzzer exits normally
    QString root;
    std::unique_ptr<StaticSite> site;
};

void write(const QString &path)
{
    QFile file(path);
    FUZZ_CHECK(file.open(QIODevice::WriteOnly), "cannot write the test site");
    file.write("x");
}

// base/secret, base/root2/secret (shares the root's prefix), base/root/{index.html,
// app.mjs, sub/index.html, sub/a.txt, empty/, out -> .., secret-link -> ../secret,
// loop -> loop}.
Site *site()
{
    static Site *s = [] {
        auto *made = new Site;
        FUZZ_CHECK(made->base.isValid(), "no temporary directory");
        const QString base = made->base.path();
        QDir(base).mkpath(QStringLiteral("root/sub"));
        QDir(base).mkpath(QStringLiteral("root/empty"));
        QDir(base).mkpath(QStringLiteral("root2"));
        write(base + QStringLiteral("/secret"));
        write(base + QStringLiteral("/root2/secret"));
        write(base + QStringLiteral("/root/index.html"));
        write(base + QStringLiteral("/root/app.mjs"));
        write(base + QStringLiteral("/root/sub/index.html"));
        write(base + QStringLiteral("/root/sub/a.txt"));
        QFile::link(QStringLiteral(".."), base + QStringLiteral("/root/out"));
        QFile::link(QStringLiteral("../secret"), base + QStringLiteral("/root/secret-link"));
        QFile::link(QStringLiteral("../root2"), base + QStringLiteral("/root/sibling"));
        QFile::link(QStringLiteral("loop"), base + QStringLiteral("/root/loop"));
        made->root = QFileInfo(base + QStringLiteral("/root")).canonicalFilePath();
        made->site = std::make_unique<StaticSite>(made->root);
        FUZZ_CHECK(made->site->root() == made->root, "the site did not take its root");
        return made;
    }();
    return s;
}

void check(const QString &urlPath)
{
    Site *s = site();
    const StaticSite::Resolution r = s->site->resolve(urlPath);
    if (r.status != StaticSite::Resolution::Status::Ok) {
        FUZZ_CHECK(r.filePath.isEmpty(), "a refusal that names a file");
        return;
    }
    FUZZ_CHECK(r.filePath.startsWith(s->root + QLatin1Char('/')), "resolved outside the root");
    const QFileInfo info(r.filePath);
    FUZZ_CHECK(info.isFile(), "resolved to something else than a regular file");
    FUZZ_CHECK(info.canonicalFilePath() == r.filePath, "resolved to a path that is not canonical");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    check(QString::fromUtf8(input));
    // As the static node gets it: the request target through QUrl, path() decoded once.
    check(QUrl::fromEncoded(input).path());
    check(QUrl(QString::fromUtf8(input)).path());
    return 0;
}
