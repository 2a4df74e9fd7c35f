#include "servicemain.h"

#include "console.h"
#include "util/ids.h"
#include "util/readyline.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <memory>

namespace duplex::cli {

int runService(util::Role role, int argc, char **argv, const std::function<app::Service *(const app::ServerOptions &)> &create,
               const QString &defaultRoot)
{
    // The plain Unix event dispatcher is about 5x faster than glib's for socket fan-out.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    Console console;
    const QString program = QFileInfo(QCoreApplication::applicationFilePath()).fileName();

    QString root = defaultRoot;
    if (role == util::Role::Static && root.isEmpty())
        root = QCoreApplication::applicationDirPath() + QStringLiteral("/../share/duplex/web");
    const app::ServerOptionsParse parsed = app::parseServerOptions(
        role, QCoreApplication::arguments(), qgetenv(util::kSecretEnv), QFileInfo(root).absoluteFilePath());
    if (parsed.status == app::ServerOptionsParse::Status::Help) {
        console.write(Console::Stream::Out, parsed.text.toLocal8Bit());
        return 0;
    }
    if (parsed.status == app::ServerOptionsParse::Status::Error) {
        console.err(QStringLiteral("%1: %2 (see --help)").arg(program, parsed.text));
        return 2;
    }
    // The secret has been read; children of this process have no business with it.
    qunsetenv(util::kSecretEnv);

    util::TerminationWatcher watcher;
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &app, [] { QCoreApplication::exit(0); });

    std::unique_ptr<app::Service> service(create(parsed.options));
    QObject::connect(service.get(), &app::Service::started, &app, [&parsed, &console, role](QJsonObject info) {
        info.insert(QStringLiteral("role"), util::roleName(role));
        info.insert(QStringLiteral("name"), parsed.options.name);
        info.insert(QStringLiteral("pid"), QCoreApplication::applicationPid());
        console.write(Console::Stream::Out, util::readyLine(info));
    });
    QObject::connect(service.get(), &app::Service::failed, &app, [&](const QString &reason) {
        console.err(QStringLiteral("%1[%2]: %3").arg(program, parsed.options.name, reason));
        QCoreApplication::exit(1);
    });
    service->start(parsed.options);
    const int code = app.exec();
    service.reset();
    return code;
}

} // namespace duplex::cli
