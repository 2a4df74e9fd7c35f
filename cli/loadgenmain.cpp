#include "loadgenmain.h"

#include "console.h"
#include "loadgen/loadoptions.h"
#include "loadgen/loadrun.h"
#include "loadgen/loadworker.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>
#include <QFile>

namespace duplex::cli {

namespace {

// A worker of a split run (--procs): its parent reads stdout and its last stderr line.
// stdout is a pipe that the parent's event loop drains, so a write waits at most for
// that, as a single process's writes wait for whoever reads its stdout.
int runWorker(QCoreApplication &app, const loadgen::LoadOptions &options)
{
    Console console;
    loadgen::LoadWorker worker(options);
    QObject::connect(&worker, &loadgen::LoadWorker::reported, &app,
                     [&console](const QByteArray &line) { console.write(Console::Stream::Out, line); });
    QObject::connect(&worker, &loadgen::LoadWorker::finished, &app, [&app] { app.exit(0); });
    QObject::connect(&worker, &loadgen::LoadWorker::failed, &app, [&](const QString &reason) {
        console.err(reason);
        app.exit(1);
    });
    worker.start();
    return app.exec();
}

} // namespace

int runLoadgen(int argc, char **argv)
{
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const loadgen::LoadOptionsParse parsed = loadgen::parseLoadOptions(QCoreApplication::arguments());
    if (parsed.status == loadgen::LoadOptionsParse::Status::Help) {
        Console().write(Console::Stream::Out, parsed.text.toLocal8Bit());
        return 0;
    }
    if (parsed.status == loadgen::LoadOptionsParse::Status::Error) {
        Console().err(QStringLiteral("duplex-loadgen: %1 (see duplex-loadgen --help)").arg(parsed.text));
        return 2;
    }
    const loadgen::LoadOptions &options = parsed.options;
    if (options.worker >= 0)
        return runWorker(app, options);

    // The live counters only on a terminal, where they overwrite themselves.
    Console console(Console::Stream::Err);
    // Fail before the run, not after it, when the CSV cannot be written.
    QFile csv(options.csvPath);
    if (!options.csvPath.isEmpty() && !csv.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        console.err(QStringLiteral("duplex-loadgen: cannot write %1: %2").arg(options.csvPath, csv.errorString()));
        return 2;
    }
    loadgen::LoadRun run(options);
    util::TerminationWatcher watcher;
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &run, &loadgen::LoadRun::stop);
    QObject::connect(&run, &loadgen::LoadRun::progressed, &app,
                     [&console](const QString &line) { console.err(QStringLiteral("duplex-loadgen: ") + line); });
    QObject::connect(&run, &loadgen::LoadRun::statusUpdated, &app, [&console](const QString &line) { console.status(line); });
    QObject::connect(&run, &loadgen::LoadRun::intervalReported, &app,
                     [&console](const QByteArray &line) { console.write(Console::Stream::Out, line); });
    QObject::connect(&run, &loadgen::LoadRun::finished, &app, [&](const QByteArray &summary, const QString &table, const QByteArray &rows) {
        console.endStatus();
        console.write(Console::Stream::Out, summary);
        console.write(Console::Stream::Err, table.toLocal8Bit());
        if (csv.isOpen()) {
            csv.write(rows);
            csv.close();
        }
        app.exit(0);
    });
    QObject::connect(&run, &loadgen::LoadRun::failed, &app, [&](const QString &reason) {
        console.endStatus();
        console.err(QStringLiteral("duplex-loadgen: ") + reason);
        app.exit(1);
    });
    run.start();
    return app.exec();
}

} // namespace duplex::cli
