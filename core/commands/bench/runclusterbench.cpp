#include "bench/runclusterbench.h"

#include "bench/clusterbench.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>
#include <QSaveFile>

#include <cstdio>

namespace duplex::loadgen {

int runClusterBench(ClusterBenchKind kind, int argc, char **argv)
{
    // The glib dispatcher is several times slower at WebSocket fan-out (QT64-NOTES.md),
    // and the subscribers share this process's event loop.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const ClusterBenchParse parsed = parseClusterBenchOptions(kind, QCoreApplication::arguments());
    const QString program = parsed.config.program();
    if (parsed.status == ClusterBenchParse::Status::Help) {
        std::fputs(qPrintable(parsed.text), stdout);
        return 0;
    }
    if (parsed.status == ClusterBenchParse::Status::Error) {
        std::fprintf(stderr, "%s: %s (see --help)\n", qPrintable(program), qPrintable(parsed.text));
        return 2;
    }

    util::TerminationWatcher watcher;
    ClusterBench bench(parsed.config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &bench,
                     [&bench](int signalNumber) { bench.interrupt(QStringLiteral("interrupted by signal %1").arg(signalNumber)); });
    QObject::connect(&bench, &ClusterBench::progressed, &app, [&program](const QString &line) {
        std::fprintf(stderr, "%s: %s\n", qPrintable(program), qPrintable(line));
        std::fflush(stderr);
    });
    QObject::connect(&bench, &ClusterBench::finished, &app, [&](const BenchReport &report) {
        QStringList failures = report.failures;
        if (!parsed.config.jsonFile.isEmpty()) {
            QSaveFile file(parsed.config.jsonFile);
            if (!file.open(QIODevice::WriteOnly) || file.write(report.toJson()) < 0 || !file.commit())
                failures << QStringLiteral("cannot write %1: %2").arg(parsed.config.jsonFile, file.errorString());
        }
        // Nothing measured: the reason alone says it.
        if (!report.transports.isEmpty()) {
            std::printf("%s\n", qPrintable(report.toMarkdown()));
            std::fflush(stdout);
        }
        for (const QString &why : failures)
            std::fprintf(stderr, "%s: FAILED: %s\n", qPrintable(program), qPrintable(why));
        std::fflush(stderr);
        app.exit(failures.isEmpty() ? 0 : 1);
    });
    bench.run();
    return app.exec();
}

} // namespace duplex::loadgen
