// duplex-loadgen: subscribers and publishers against a running cluster. See --help.
#include "loadgen/loadoptions.h"
#include "loadgen/loadrun.h"
#include "loadgen/loadworker.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>
#include <QFile>

#include <cstdio>
#include <unistd.h>

int main(int argc, char **argv)
{
    using namespace duplex;
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const loadgen::LoadOptionsParse parsed = loadgen::parseLoadOptions(QCoreApplication::arguments());
    if (parsed.status == loadgen::LoadOptionsParse::Status::Help) {
        std::fputs(qPrintable(parsed.text), stdout);
        return 0;
    }
    if (parsed.status == loadgen::LoadOptionsParse::Status::Error) {
        std::fprintf(stderr, "duplex-loadgen: %s (see duplex-loadgen --help)\n", qPrintable(parsed.text));
        return 2;
    }
    const loadgen::LoadOptions &options = parsed.options;
    if (options.worker >= 0) {
        // A worker of a split run (--procs): its parent reads stdout and its last stderr line.
        // stdout is a pipe that the parent's event loop drains, so a write waits at most
        // for that, as a single process's writes wait for whoever reads its stdout.
        loadgen::LoadWorker worker(options);
        QObject::connect(&worker, &loadgen::LoadWorker::reported, &app, [](const QByteArray &line) {
            std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
            std::fflush(stdout);
        });
        QObject::connect(&worker, &loadgen::LoadWorker::finished, &app, [&app] { app.exit(0); });
        QObject::connect(&worker, &loadgen::LoadWorker::failed, &app, [&app](const QString &reason) {
            std::fprintf(stderr, "%s\n", qPrintable(reason));
            app.exit(1);
        });
        worker.start();
        return app.exec();
    }
    // Fail before the run, not after it, when the CSV cannot be written.
    QFile csv(options.csvPath);
    if (!options.csvPath.isEmpty() && !csv.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        std::fprintf(stderr, "duplex-loadgen: cannot write %s: %s\n", qPrintable(options.csvPath), qPrintable(csv.errorString()));
        return 2;
    }

    const bool terminal = ::isatty(STDERR_FILENO);
    bool statusShown = false;
    auto endStatus = [&statusShown] {
        if (statusShown)
            std::fputs("\n", stderr);
        statusShown = false;
    };
    loadgen::LoadRun run(options);
    util::TerminationWatcher watcher;
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &run, &loadgen::LoadRun::stop);
    QObject::connect(&run, &loadgen::LoadRun::progressed, &app, [&endStatus](const QString &line) {
        endStatus();
        std::fprintf(stderr, "duplex-loadgen: %s\n", qPrintable(line));
    });
    // The live counters only make sense on a terminal, where they overwrite themselves.
    if (terminal) {
        QObject::connect(&run, &loadgen::LoadRun::statusUpdated, &app, [&statusShown](const QString &line) {
            std::fprintf(stderr, "\r\033[K%s", qPrintable(line));
            statusShown = true;
        });
    }
    QObject::connect(&run, &loadgen::LoadRun::intervalReported, &app, [](const QByteArray &line) {
        std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
        std::fflush(stdout);
    });
    QObject::connect(&run, &loadgen::LoadRun::finished, &app,
                     [&](const QByteArray &summary, const QString &table, const QByteArray &rows) {
                         endStatus();
                         std::fwrite(summary.constData(), 1, size_t(summary.size()), stdout);
                         std::fflush(stdout);
                         std::fprintf(stderr, "%s", qPrintable(table));
                         if (csv.isOpen()) {
                             csv.write(rows);
                             csv.close();
                         }
                         app.exit(0);
                     });
    QObject::connect(&run, &loadgen::LoadRun::failed, &app, [&](const QString &reason) {
        endStatus();
        std::fprintf(stderr, "duplex-loadgen: %s\n", qPrintable(reason));
        app.exit(1);
    });
    run.start();
    return app.exec();
}
