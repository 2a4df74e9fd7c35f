#include "hostilebenchmain.h"

#include "bench/hostilebench.h"
#include "console.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>

namespace duplex::cli {

int runHostileBench(int argc, char **argv)
{
    // The glib dispatcher is several times slower at WebSocket traffic (QT64-NOTES.md), and
    // the bystander and the attackers share this process's event loop.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    Console console;
    const QString program = QStringLiteral("duplex-bench-hostile");
    const bench::HostileBenchParse parsed = bench::parseHostileBenchOptions(QCoreApplication::arguments());
    if (parsed.status == bench::HostileBenchParse::Status::Help) {
        console.write(Console::Stream::Out, parsed.text.toLocal8Bit());
        return 0;
    }
    if (parsed.status == bench::HostileBenchParse::Status::Error) {
        console.err(QStringLiteral("%1: %2 (see --help)").arg(program, parsed.text));
        return 2;
    }

    util::TerminationWatcher watcher;
    bench::HostileBench run(parsed.config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &run,
                     [&run](int signalNumber) { run.interrupt(QStringLiteral("interrupted by signal %1").arg(signalNumber)); });
    QObject::connect(&run, &bench::HostileBench::progressed, &app,
                     [&](const QString &line) { console.err(QStringLiteral("%1: %2").arg(program, line)); });
    QObject::connect(&run, &bench::HostileBench::finished, &app, [&](const bench::HostileReport &report) {
        if (!report.phases.isEmpty())
            console.out(report.toMarkdown());
        for (const QString &why : report.failures)
            console.err(QStringLiteral("%1: FAILED: %2").arg(program, why));
        app.exit(report.failures.isEmpty() ? 0 : 1);
    });
    run.start();
    return app.exec();
}

} // namespace duplex::cli
