#include "nginx/nginxchild.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>

namespace duplex::nginx {

QString findProgram(const QString &configured, QString *program)
{
    *program = configured;
    if (program->isEmpty()) {
        *program = QStandardPaths::findExecutable(QStringLiteral("nginx"));
        if (program->isEmpty())
            *program = QStandardPaths::findExecutable(QStringLiteral("nginx"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    }
    if (program->isEmpty() || !QFileInfo(*program).isExecutable())
        return QStringLiteral("nginx not found%1: install it with `apt-get install nginx-light`")
            .arg(configured.isEmpty() ? QString() : QStringLiteral(" at ") + configured);
    return {};
}

QString reservePort(quint16 requested, quint16 *port)
{
    if (requested != 0) {
        // Bound for a moment to learn whether nginx could.
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, requested))
            return QStringLiteral("port %1 on 127.0.0.1 is already in use (%2)").arg(requested).arg(probe.errorString());
        *port = requested;
        return {};
    }
    int ephemeralLow = 32768;
    QFile range(QStringLiteral("/proc/sys/net/ipv4/ip_local_port_range"));
    if (range.open(QIODevice::ReadOnly)) {
        const int low = range.readAll().simplified().split(' ').value(0).toInt();
        if (low > 2048)
            ephemeralLow = low;
    }
    const int first = std::max(1024, ephemeralLow / 2);
    for (int attempt = 0; attempt < 64; ++attempt) {
        const quint16 candidate = quint16(first + int(QRandomGenerator::global()->bounded(ephemeralLow - first)));
        QTcpServer probe;
        if (probe.listen(QHostAddress::LocalHost, candidate)) {
            *port = candidate;
            return {};
        }
    }
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return QStringLiteral("no free port on 127.0.0.1: %1").arg(probe.errorString());
    *port = probe.serverPort();
    return {};
}

QString prepareRuntimeDir(const QString &configured, const QString &tempTemplate,
                          std::unique_ptr<QTemporaryDir> *temp, QString *dir)
{
    if (configured.isEmpty()) {
        *temp = std::make_unique<QTemporaryDir>(QDir::tempPath() + QLatin1Char('/') + tempTemplate);
        if (!(*temp)->isValid())
            return QStringLiteral("cannot create a runtime directory in %1: %2").arg(QDir::tempPath(), (*temp)->errorString());
        *dir = (*temp)->path();
    } else {
        *dir = QFileInfo(configured).absoluteFilePath();
    }
    for (const char *sub : {"logs", "temp"}) {
        if (!QDir().mkpath(*dir + QLatin1Char('/') + QLatin1String(sub)))
            return QStringLiteral("cannot create %1/%2").arg(*dir, QLatin1String(sub));
    }
    return {};
}

QStringList childArguments(const QString &runtimeDir)
{
    return {QStringLiteral("-p"), runtimeDir + QLatin1Char('/'),
            QStringLiteral("-e"), runtimeDir + QStringLiteral("/logs/error.log"),
            QStringLiteral("-c"), runtimeDir + QStringLiteral("/nginx.conf"),
            QStringLiteral("-g"), QStringLiteral("daemon off;")};
}

} // namespace duplex::nginx
