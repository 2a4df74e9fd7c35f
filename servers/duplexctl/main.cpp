// duplexctl: runs the Duplex cluster, and experiments on it, from a shell. See
// `duplexctl --help`.
#include "charts/thesischart.h"
#include "control/benchcommand.h"
#include "control/ctloptions.h"
#include "control/upcommand.h"
#include "load/loadreport.h"
#include "util/terminationwatcher.h"

#include <QApplication>
#include <QCoreApplication>
#include <QFile>

#include <cstdio>
#include <memory>

namespace {

// The thesis chart, from the CSV duplex-loadgen wrote.
bool renderThesisChart(const QString &csvPath, const QString &pngPath, QString *error)
{
    QFile csv(csvPath);
    if (!csv.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(csvPath, csv.errorString());
        return false;
    }
    const duplex::load::CsvParse parsed = duplex::load::parseCsv(csv.readAll());
    if (parsed.status != duplex::load::CsvParse::Status::Ok) {
        *error = QStringLiteral("%1: %2").arg(csvPath, parsed.error);
        return false;
    }
    return duplex::gui::ThesisChart::renderPng(
        parsed.transports, QStringLiteral("Comet against WebSocket: time between consecutive messages, per iteration"),
        pngPath, error);
}

} // namespace

int main(int argc, char **argv)
{
    using namespace duplex;
    qputenv("QT_NO_GLIB", "1");
    // Parsed before the application exists: the bench draws a chart and needs the GUI
    // classes, `up` must run where no display exists.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const control::CtlParse parsed = control::parseCtlOptions(arguments);
    if (parsed.status == control::CtlParse::Status::Help) {
        std::fputs(qPrintable(parsed.text), stdout);
        return 0;
    }
    if (parsed.status == control::CtlParse::Status::Error) {
        std::fprintf(stderr, "duplexctl: %s (see duplexctl --help)\n", qPrintable(parsed.text));
        return 2;
    }

    std::unique_ptr<QCoreApplication> app;
    if (parsed.command == control::CtlParse::Command::Bench) {
        // The chart is drawn off screen: no display needed.
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        app = std::make_unique<QApplication>(argc, argv);
    } else {
        app = std::make_unique<QCoreApplication>(argc, argv);
    }
    util::TerminationWatcher watcher;
    if (parsed.command == control::CtlParse::Command::Bench) {
        control::BenchCommand bench(parsed.bench, renderThesisChart);
        QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &bench,
                         &control::BenchCommand::handleTermination);
        QObject::connect(&bench, &control::BenchCommand::finished, app.get(), &QCoreApplication::exit);
        bench.run();
        return app->exec();
    }
    control::UpCommand up(parsed.config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &up, &control::UpCommand::handleTermination);
    QObject::connect(&up, &control::UpCommand::finished, app.get(), &QCoreApplication::exit);
    up.run();
    return app->exec();
}
