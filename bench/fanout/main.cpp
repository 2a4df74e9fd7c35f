// duplex-bench-fanout: one publisher, many WebSocket subscribers through nginx; prints
// throughput, latency, loss and the nodes' cost per connection and per message.
// See `duplex-bench-fanout --help`.
#include "fanoutbench.h"
#include "fanoutconfig.h"

#include "util/terminationwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

namespace {

using duplex::bench::FanoutConfig;

// The open-file limit here is 20000 per process; leave room for the rest of the bench.
constexpr int kMaxSubscribers = 18000;
// The nodes refuse more than 1000 publishes per second from one client.
constexpr int kMaxRate = 1000;
// Each delivery keeps a 4-byte latency sample until the report.
constexpr qint64 kMaxDeliveries = 100'000'000;
// The payload holds the counter's digits and must fit the nodes' 64 KiB frame limit.
constexpr int kMinSize = 8;
constexpr int kMaxSize = 60000;

struct IntOption
{
    QCommandLineOption option;
    int min;
    int max;
    int *target;
};

bool parseArguments(const QStringList &arguments, FanoutConfig *config, int *exitCode)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Starts a Duplex cluster (broker, WebSocket nodes, static node, nginx) on a free port, "
        "connects N WebSocket subscribers through nginx, publishes messages at a fixed rate from "
        "one more WebSocket client and prints delivered messages/s, end-to-end latency, lost and "
        "duplicated deliveries and the nodes' memory per connection and CPU per message. "
        "Exits 0 only when nothing was lost or duplicated."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QList<IntOption> intOptions = {
        {QCommandLineOption(QStringLiteral("subscribers"), QStringLiteral("WebSocket subscribers (default 1000)."), QStringLiteral("n")),
         1, kMaxSubscribers, &config->subscribers},
        {QCommandLineOption(QStringLiteral("rate"), QStringLiteral("Messages published per second (default 100)."), QStringLiteral("n")),
         1, kMaxRate, &config->rate},
        {QCommandLineOption(QStringLiteral("duration"), QStringLiteral("Seconds of publishing (default 20)."), QStringLiteral("s")),
         1, 3600, &config->durationS},
        {QCommandLineOption(QStringLiteral("size"), QStringLiteral("Characters of data per message (default 16)."), QStringLiteral("bytes")),
         kMinSize, kMaxSize, &config->size},
        {QCommandLineOption(QStringLiteral("ws-nodes"), QStringLiteral("WebSocket nodes behind nginx (default 2)."), QStringLiteral("n")),
         1, 16, &config->webSocketNodes},
    };
    for (const IntOption &o : intOptions)
        parser.addOption(o.option);
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Also print the results as one JSON line."));
    parser.addOption(jsonOption);

    auto fail = [exitCode](const QString &message) {
        std::fprintf(stderr, "duplex-bench-fanout: %s (see --help)\n", qPrintable(message));
        *exitCode = 2;
        return false;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(helpOption)) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        *exitCode = 0;
        return false;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument %1").arg(parser.positionalArguments().constFirst()));
    for (const IntOption &o : intOptions) {
        if (!parser.isSet(o.option))
            continue;
        const QString text = parser.value(o.option);
        bool ok = false;
        const int value = text.toInt(&ok);
        if (!ok || value < o.min || value > o.max)
            return fail(QStringLiteral("--%1: expected an integer from %2 to %3, got %4").arg(o.option.names().constFirst()).arg(o.min).arg(o.max).arg(text));
        *o.target = value;
    }
    config->json = parser.isSet(jsonOption);
    if (config->messageCount() * config->subscribers > kMaxDeliveries)
        return fail(QStringLiteral("rate x duration x subscribers must stay under %1 deliveries").arg(kMaxDeliveries));
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    using namespace duplex;
    // The glib dispatcher is several times slower at WebSocket fan-out (QT64-NOTES.md).
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    bench::FanoutConfig config;
    int exitCode = 0;
    if (!parseArguments(QCoreApplication::arguments(), &config, &exitCode))
        return exitCode;

    util::TerminationWatcher watcher;
    bench::FanoutBench fanout(config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &fanout, [&fanout](int signalNumber) {
        fanout.interrupt(QStringLiteral("interrupted by signal %1").arg(signalNumber));
    });
    QObject::connect(&fanout, &bench::FanoutBench::finished, &app, &QCoreApplication::exit);
    fanout.run();
    return app.exec();
}
