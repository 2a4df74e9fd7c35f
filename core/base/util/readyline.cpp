#include "util/readyline.h"

#include <QJsonDocument>

#include <cstdio>

namespace duplex::util {

namespace {
constexpr char kPrefix[] = "READY ";
}

void printReadyLine(const QJsonObject &info)
{
    const QByteArray line = kPrefix + QJsonDocument(info).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
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
