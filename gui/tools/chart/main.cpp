// duplex-chart: draws the thesis figure from the CSV that `duplexctl bench thesis` (or
// `duplex-loadgen --csv`) writes. The GUI side of the bench: duplexctl itself links no
// GUI library and runs this program, when it is built, to draw its chart.
#include "charts/thesischart.h"
#include "load/iterationcsv.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>

#include <cstdio>

int main(int argc, char **argv)
{
    using namespace duplex;
    // Off screen unless the user asked for a platform: no display is needed.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Draws the thesis figure (time between consecutive messages per iteration, one line per\n"
        "transport, mean latency dashed) from a duplex-loadgen CSV into a PNG."));
    parser.addHelpOption();
    const QCommandLineOption titleOption(
        QStringLiteral("title"), QStringLiteral("The chart's title."), QStringLiteral("text"),
        QStringLiteral("Comet against WebSocket: time between consecutive messages, per iteration"));
    parser.addOption(titleOption);
    parser.addPositionalArgument(QStringLiteral("csv"), QStringLiteral("The per-iteration CSV to read."));
    parser.addPositionalArgument(QStringLiteral("png"), QStringLiteral("The picture to write."));
    parser.process(app);
    const QStringList paths = parser.positionalArguments();
    if (paths.size() != 2) {
        std::fprintf(stderr, "duplex-chart: give the CSV to read and the PNG to write (see --help)\n");
        return 2;
    }

    QFile csv(paths.at(0));
    if (!csv.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "duplex-chart: cannot read %s: %s\n", qPrintable(paths.at(0)), qPrintable(csv.errorString()));
        return 1;
    }
    const load::CsvParse parsed = load::parseCsv(csv.readAll());
    if (parsed.status != load::CsvParse::Status::Ok) {
        std::fprintf(stderr, "duplex-chart: %s: %s\n", qPrintable(paths.at(0)), qPrintable(parsed.error));
        return 1;
    }
    QString error;
    if (!gui::ThesisChart::renderPng(parsed.transports, parser.value(titleOption), paths.at(1), &error)) {
        std::fprintf(stderr, "duplex-chart: %s\n", qPrintable(error));
        return 1;
    }
    return 0;
}
