// duplexctl: runs the Duplex cluster, and experiments on it, from a shell. See
// `duplexctl --help`.
#include "bench/benchcommand.h"
#include "ctl/ctloptions.h"
#include "ctl/upcommand.h"
#include "util/terminationwatcher.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    using namespace duplex;
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const control::CtlParse parsed = control::parseCtlOptions(QCoreApplication::arguments());
    if (parsed.status == control::CtlParse::Status::Help) {
        std::fputs(qPrintable(parsed.text), stdout);
        return 0;
    }
    if (parsed.status == control::CtlParse::Status::Error) {
        std::fprintf(stderr, "duplexctl: %s (see duplexctl --help)\n", qPrintable(parsed.text));
        return 2;
    }

    util::TerminationWatcher watcher;
    if (parsed.command == control::CtlParse::Command::Bench) {
        control::BenchCommand bench(parsed.bench);
        QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &bench,
                         &control::BenchCommand::handleTermination);
        QObject::connect(&bench, &control::BenchCommand::finished, &app, &QCoreApplication::exit);
        bench.run();
        return app.exec();
    }
    control::UpCommand up(parsed.config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &up, &control::UpCommand::handleTermination);
    QObject::connect(&up, &control::UpCommand::finished, &app, &QCoreApplication::exit);
    up.run();
    return app.exec();
}
