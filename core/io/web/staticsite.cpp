#include "web/staticsite.h"

#include <QFileInfo>
#include <QMimeDatabase>
#include <QStringList>

namespace duplex::web {

StaticSite::StaticSite(const QString &root)
{
    const QFileInfo info(root);
    if (info.isDir())
        m_root = info.canonicalFilePath();
}

StaticSite::Resolution StaticSite::resolve(const QString &urlPath) const
{
    using Status = Resolution::Status;
    // A backslash is a separator on other systems and a NUL ends a C string: either can
    // make the file system see a different path from the one checked here.
    if (urlPath.contains(QChar(0)) || urlPath.contains(QLatin1Char('\\')))
        return {Status::Forbidden, {}};
    if (!urlPath.isEmpty() && !urlPath.startsWith(QLatin1Char('/')))
        return {Status::Forbidden, {}};
    if (m_root.isEmpty())
        return {Status::NotFound, {}};

    // Dot segments are resolved before the file system sees the path, so climbing above
    // the root is refused the same way whether or not the target exists.
    QStringList segments;
    for (const QString &segment : urlPath.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        if (segment == QLatin1String("."))
            continue;
        if (segment == QLatin1String("..")) {
            if (segments.isEmpty())
                return {Status::Forbidden, {}};
            segments.removeLast();
            continue;
        }
        segments.append(segment);
    }

    // Symlinks are followed by canonicalFilePath(), so the containment check below sees
    // where a link really leads.
    QString canonical = QFileInfo(m_root + QLatin1Char('/') + segments.join(QLatin1Char('/'))).canonicalFilePath();
    if (canonical.isEmpty())
        return {Status::NotFound, {}}; // missing, or a symlink to nothing
    if (!contains(canonical))
        return {Status::Forbidden, {}};
    if (QFileInfo(canonical).isDir()) {
        canonical = QFileInfo(canonical + QLatin1String("/index.html")).canonicalFilePath();
        if (canonical.isEmpty())
            return {Status::NotFound, {}};
        if (!contains(canonical))
            return {Status::Forbidden, {}};
    }
    if (!QFileInfo(canonical).isFile())
        return {Status::NotFound, {}}; // a device, socket or FIFO placed under the root
    return {Status::Ok, canonical};
}

bool StaticSite::contains(const QString &canonicalPath) const
{
    // root + "/" as the prefix: /srv/web2 starts with /srv/web but is not inside it.
    const QString prefix = m_root.endsWith(QLatin1Char('/')) ? m_root : m_root + QLatin1Char('/');
    return canonicalPath == m_root || canonicalPath.startsWith(prefix);
}

QByteArray mimeType(const QString &filePath)
{
    // The types the web client uses are fixed here rather than left to the MIME database,
    // whose answers vary between versions (e.g. application/javascript, image/vnd.microsoft.icon).
    struct Known
    {
        const char *suffix;
        const char *type;
    };
    static const Known known[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
    };
    const QString suffix = QFileInfo(filePath).suffix().toLower();
    for (const Known &k : known) {
        if (suffix == QLatin1String(k.suffix))
            return k.type;
    }
    QByteArray type = QMimeDatabase().mimeTypeForFile(filePath, QMimeDatabase::MatchExtension).name().toLatin1();
    if (type.startsWith("text/"))
        type += "; charset=utf-8";
    return type;
}

} // namespace duplex::web
