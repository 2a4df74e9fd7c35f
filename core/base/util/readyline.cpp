#include "util/readyline.h"

#include <QJsonDocument>

namespace duplex::util {

namespace {
constexpr char kPrefix[] = "READY ";
}

QByteArray readyLine(const QJsonObject &info)
{
    return kPrefix + QJsonDocument(info).toJson(QJsonDocument::Compact) + '\n';
}

bool parseReadyLine(const QByteArray &line, QJsonObject *info)
{
    const QByteArray trimmed = line.trimmed();
    if (!trimmed.startsWith(kPrefix))
        return false;
    const QJsonDocument doc = QJsonDocument::fromJson(trimmed.mid(int(sizeof(kPrefix)) - 1));
    if (!doc.isObject())
        return false;
    *info = doc.object();
    return true;
}

} // namespace duplex::util
