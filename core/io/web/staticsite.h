#pragma once

#include <QByteArray>
#include <QString>

namespace duplex::web {

// Maps URL paths onto the files of one directory without ever leaving it: no `..`
// escape, no symlink pointing outside, no NUL or backslash tricks.
class StaticSite final
{
public:
    struct Resolution
    {
        enum class Status { Ok, NotFound, Forbidden };
        Status status = Status::NotFound;
        QString filePath; // canonical path of a regular file when status == Ok
    };

    // `root` need not exist; then root() is empty and every path is NotFound.
    explicit StaticSite(const QString &root);

    // The canonical root directory, empty when it does not exist or is not a directory.
    QString root() const { return m_root; }

    // `urlPath` as QUrl::path() gives it (already percent-decoded once; it is not decoded
    // again, so `%2e%2e` here names a file called "%2e%2e"). Directories map to index.html.
    Resolution resolve(const QString &urlPath) const;

private:
    bool contains(const QString &canonicalPath) const;

    QString m_root;
};

// The Content-Type for a file, chosen by its name only (the content is never sniffed),
// with `; charset=utf-8` on text types.
QByteArray mimeType(const QString &filePath);

} // namespace duplex::web
