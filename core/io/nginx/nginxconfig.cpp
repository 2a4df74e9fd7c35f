#include "nginx/nginxconfig.h"

#include <QFile>
#include <QRegularExpression>

namespace duplex::nginx {

namespace {

QString serverLines(const QList<Upstream> &nodes)
{
    QStringList lines;
    for (const Upstream &node : nodes) {
        // One failed connect takes a node out for 2 s; nginx then tries the next one.
        lines << QStringLiteral("        server %1:%2 max_fails=1 fail_timeout=2s;").arg(node.host).arg(node.port);
    }
    return lines.join(QLatin1Char('\n'));
}

// Keeps or drops every "# @<name>_BEGIN@" ... "# @<name>_END@" region; the marker lines go.
QString applyRegion(QString text, const QString &name, bool keep)
{
    const QString begin = QStringLiteral("# @%1_BEGIN@").arg(name);
    const QString end = QStringLiteral("# @%1_END@").arg(name);
    QStringList out;
    bool inside = false;
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        const QString trimmed = line.trimmed();
        if (trimmed == begin) {
            inside = true;
            continue;
        }
        if (trimmed == end) {
            inside = false;
            continue;
        }
        if (!inside || keep)
            out << line;
    }
    return out.join(QLatin1Char('\n'));
}

} // namespace

bool cometBalanceFromName(const QString &name, CometBalance *balance)
{
    if (name == QLatin1String("ip_hash")) {
        *balance = CometBalance::IpHash;
        return true;
    }
    if (name == QLatin1String("client")) {
        *balance = CometBalance::Client;
        return true;
    }
    return false;
}

QString renderNginxConfig(const QString &templateText, const NginxSettings &settings)
{
    QString text = applyRegion(templateText, QStringLiteral("WS"), !settings.webSocketNodes.isEmpty());
    text = applyRegion(text, QStringLiteral("COMET"), !settings.cometNodes.isEmpty());
    const QString balance = settings.cometBalance == CometBalance::IpHash
        ? QStringLiteral("ip_hash")
        : QStringLiteral("hash $arg_clientId consistent");
    const QList<QPair<QString, QString>> values = {
        {QStringLiteral("PREFIX"), settings.prefix},
        {QStringLiteral("WORKERS"), QString::number(settings.workers)},
        {QStringLiteral("LISTEN"), QStringLiteral("%1:%2").arg(settings.listenAddress).arg(settings.port)},
        {QStringLiteral("WS_SERVERS"), serverLines(settings.webSocketNodes)},
        {QStringLiteral("COMET_SERVERS"), serverLines(settings.cometNodes)},
        {QStringLiteral("COMET_BALANCE"), balance},
        {QStringLiteral("COMET_READ_TIMEOUT"), QString::number(settings.cometHoldSeconds * 2 + 10)},
        {QStringLiteral("STATIC_SERVER"),
         QStringLiteral("%1:%2").arg(settings.staticNode.host).arg(settings.staticNode.port)},
    };
    for (const auto &value : values)
        text.replace(QLatin1Char('@') + value.first + QLatin1Char('@'), value.second);
    return text;
}

QString builtinNginxTemplate()
{
    QFile file(QStringLiteral(":/nginx/duplex.conf.in"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("the nginx template is missing from the build (core/CMakeLists.txt)");
    return QString::fromUtf8(file.readAll());
}

} // namespace duplex::nginx
