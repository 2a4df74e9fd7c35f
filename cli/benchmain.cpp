#include "benchmain.h"

#include "bench/benchrun.h"
#include "console.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>
#include <QSaveFile>

namespace duplex::cli {

int runClusterBench(bench::ClusterBenchKind kind, int argc, char **argv)
{
    // The glib dispatcher is several times slower at WebSocket fan-out (QT64-NOTES.md),
    // and the subscribers share this process's event loop.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    Console console;
    const bench::ClusterBenchParse parsed = bench::parseClusterBenchOptions(kind, QCoreApplication::arguments());
    const QString program = parsed.config.program();
    if (parsed.status == bench::ClusterBenchParse::Status::Help) {
        console.write(Console::Stream::Out, parsed.text.toLocal8Bit());
        return 0;
    }
    if (parsed.status == bench::ClusterBenchParse::Status::Error) {
        console.err(QStringLiteral("%1: %2 (see --help)").arg(program, parsed.text));
        return 2;
    }

    util::TerminationWatcher watcher;
    bench::BenchRun run(parsed.config.runConfig());
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &run,
                     [&run](int signalNumber) { run.interrupt(QStringLiteral("interrupted by signal %1").arg(signalNumber)); });
    QObject::connect(&run, &bench::BenchRun::progressed, &app,
                     [&](const QString &line) { console.err(QStringLiteral("%1: %2").arg(program, line)); });
    QObject::connect(&run, &bench::BenchRun::finished, &app, [&](const bench::BenchReport &report) {
        QStringList failures = report.failures;
        if (!parsed.config.jsonFile.isEmpty()) {
            QSaveFile file(parsed.config.jsonFile);
            if (!file.open(QIODevice::WriteOnly) || file.write(report.toJson()) < 0 || !file.commit())
                failures << QStringLiteral("cannot write %1: %2").arg(parsed.config.jsonFile, file.errorString());
        }
        // Nothing measured: the reason alone says it.
        if (!report.transports.isEmpty())
            console.out(report.toMarkdown());
        for (const QString &why : failures)
            console.err(QStringLiteral("%1: FAILED: %2").arg(program, why));
        app.exit(failures.isEmpty() ? 0 : 1);
    });
    run.start();
    return app.exec();
}

} // namespace duplex::cli
