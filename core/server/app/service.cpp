#include "app/service.h"

#include "util/ids.h"
#include "util/readyline.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <cstdio>
#include <memory>

namespace duplex::app {

int runService(util::Role role, int argc, char **argv,
               const std::function<Service *(const app::ServerOptions &)> &create,
               const QString &defaultRoot)
{
    // The plain Unix event dispatcher is about 5x faster than glib's for socket fan-out.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const QString program = QFileInfo(QCoreApplication::applicationFilePath()).fileName();

    QString root = defaultRoot;
    if (role == util::Role::Static && root.isEmpty())
        root = QCoreApplication::applicationDirPath() + QStringLiteral("/../share/duplex/web");
    const app::ServerOptionsParse parsed = app::parseServerOptions(
        role, QCoreApplication::arguments(), qgetenv(util::kSecretEnv), QFileInfo(root).absoluteFilePath());
    if (parsed.status == app::ServerOptionsParse::Status::Help) {
        std::fputs(qPrintable(parsed.text), stdout);
        return 0;
    }
    if (parsed.status == app::ServerOptionsParse::Status::Error) {
        std::fprintf(stderr, "%s: %s (see --help)\n", qPrintable(program), qPrintable(parsed.text));
        return 2;
    }
    // The secret has been read; children of this process have no business with it.
    qunsetenv(util::kSecretEnv);

    util::TerminationWatcher watcher;
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &app, [] { QCoreApplication::exit(0); });

    std::unique_ptr<Service> service(create(parsed.options));
    QObject::connect(service.get(), &Service::started, &app, [&parsed, role](QJsonObject info) {
        info.insert(QStringLiteral("role"), util::roleName(role));
        info.insert(QStringLiteral("name"), parsed.options.name);
        info.insert(QStringLiteral("pid"), QCoreApplication::applicationPid());
        util::printReadyLine(info);
    });
    QObject::connect(service.get(), &Service::failed, &app, [&program, &parsed](const QString &reason) {
        std::fprintf(stderr, "%s[%s]: %s\n", qPrintable(program), qPrintable(parsed.options.name), qPrintable(reason));
        QCoreApplication::exit(1);
    });
    service->start(parsed.options);
    const int code = app.exec();
    service.reset();
    return code;
}

} // namespace duplex::app
