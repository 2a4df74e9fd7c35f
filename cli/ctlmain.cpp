#include "ctlmain.h"

#include "bench/benchcommand.h"
#include "console.h"
#include "ctl/ctloptions.h"
#include "ctl/upcommand.h"
#include "util/readyline.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>

namespace duplex::cli {

namespace {

// Without a terminal, `up` writes its live status as a plain line this often.
constexpr qint64 kPlainStatusIntervalMs = 10000;

int runBench(QCoreApplication &app, const bench::BenchConfig &config)
{
    Console console;
    util::TerminationWatcher watcher;
    bench::BenchCommand bench(config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &bench, &bench::BenchCommand::interrupt);
    QObject::connect(&bench, &bench::BenchCommand::progressed, &app,
                     [&console](const QString &line) { console.err(QStringLiteral("duplexctl bench: ") + line); });
    QObject::connect(&bench, &bench::BenchCommand::reported, &app,
                     [&console](const QString &text) { console.write(Console::Stream::Out, text.toLocal8Bit()); });
    QObject::connect(&bench, &bench::BenchCommand::finished, &app, &QCoreApplication::exit);
    bench.start();
    return app.exec();
}

int runUp(QCoreApplication &app, const control::ClusterConfig &config)
{
    Console console(Console::Stream::Out, kPlainStatusIntervalMs);
    util::TerminationWatcher watcher;
    ctl::UpCommand up(config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &up, &ctl::UpCommand::interrupt);
    QObject::connect(&up, &ctl::UpCommand::reported, &app, [&console](const QString &line) { console.out(line); });
    QObject::connect(&up, &ctl::UpCommand::problemReported, &app, [&console](const QString &line) { console.err(line); });
    QObject::connect(&up, &ctl::UpCommand::statusUpdated, &app, [&console](const QString &line) { console.status(line); });
    QObject::connect(&up, &ctl::UpCommand::clusterReady, &app,
                     [&console](const QJsonObject &info) { console.write(Console::Stream::Out, util::readyLine(info)); });
    QObject::connect(&up, &ctl::UpCommand::finished, &app, &QCoreApplication::exit);
    up.start();
    return app.exec();
}

} // namespace

int runCtl(int argc, char **argv)
{
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const ctl::CtlParse parsed = ctl::parseCtlOptions(QCoreApplication::arguments());
    if (parsed.status == ctl::CtlParse::Status::Help) {
        Console().write(Console::Stream::Out, parsed.text.toLocal8Bit());
        return 0;
    }
    if (parsed.status == ctl::CtlParse::Status::Error) {
        Console().err(QStringLiteral("duplexctl: %1 (see duplexctl --help)").arg(parsed.text));
        return 2;
    }
    if (parsed.command == ctl::CtlParse::Command::Bench)
        return runBench(app, parsed.bench);
    return runUp(app, parsed.config);
}

} // namespace duplex::cli
