// duplex-bench-comet: Comet (long-polling) against WebSocket side by side, as the 2016
// thesis charted them: one publisher, subscribers of both kinds on one channel, through
// nginx; prints loss, latency, the time between consecutive messages and the nodes' cost
// per transport. See `duplex-bench-comet --help`.
#include "cometbench.h"
#include "cometbenchconfig.h"
#include "timedpayload.h"

#include "util/terminationwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

namespace {

using duplex::bench::CometBenchConfig;

// The open-file limit here is 20000 per process; leave room for the rest of the bench.
constexpr int kMaxSubscribers = 18000;
// Each delivery keeps a 4-byte latency sample until the report.
constexpr qint64 kMaxDeliveries = 100'000'000;
// The payload must fit the nodes' 64 KiB message limit with its JSON around it.
constexpr int kMaxSize = 60000;

struct IntOption
{
    QCommandLineOption option;
    int min;
    int max;
    int *target;
};

bool parseArguments(const QStringList &arguments, CometBenchConfig *config, int *exitCode)
{
    namespace payload = duplex::bench::timedpayload;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measures Comet (HTTP long-polling) against WebSocket side by side, as the 2016 thesis did.\n"
        "\n"
        "Starts a Duplex cluster (broker, WebSocket and Comet nodes, static node, nginx) on a free\n"
        "port, connects Comet and WebSocket subscribers to one channel through nginx in batches\n"
        "(Comet subscriber i binds 127.0.(i mod sources + 1).1, so nginx's ip_hash spreads them\n"
        "over the Comet nodes), publishes a message every interval from one WebSocket client and\n"
        "prints one table row per transport: delivered / expected, lost, duplicated and\n"
        "out-of-order deliveries; end-to-end latency p50 / p99 / max; the mean time between\n"
        "consecutive received messages per client averaged over clients (the thesis's figure),\n"
        "its spread over clients and the jitter within a client; Comet polls per delivered\n"
        "message; the nodes' CPU per delivered message and memory per client (from /metrics).\n"
        "\n"
        "Each message's data is exactly --size ASCII characters: the counter in 6 hex digits,\n"
        "the send time in 10 hex digits of microseconds on the bench's clock, then '.' padding.\n"
        "\n"
        "Exit status: 0 when the run completed; 1 when the cluster or the clients failed (or,\n"
        "with --require-complete, when a delivery was lost or duplicated); 2 on a bad command line."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QList<IntOption> intOptions = {
        {QCommandLineOption(QStringLiteral("comet"), QStringLiteral("Comet (long-polling) subscribers (default 100)."), QStringLiteral("n")),
         0, kMaxSubscribers, &config->cometSubscribers},
        {QCommandLineOption(QStringLiteral("ws"), QStringLiteral("WebSocket subscribers (default 100)."), QStringLiteral("n")),
         0, kMaxSubscribers, &config->webSocketSubscribers},
        {QCommandLineOption(QStringLiteral("interval-ms"), QStringLiteral("Milliseconds between two publishes (default 10)."), QStringLiteral("ms")),
         1, 60000, &config->intervalMs},
        {QCommandLineOption(QStringLiteral("duration"), QStringLiteral("Seconds of publishing (default 20)."), QStringLiteral("s")),
         1, 3600, &config->durationS},
        {QCommandLineOption(QStringLiteral("size"), QStringLiteral("Characters of data per message, at least %1 (default 16).").arg(payload::kMinSize),
                            QStringLiteral("chars")),
         payload::kMinSize, kMaxSize, &config->size},
        {QCommandLineOption(QStringLiteral("grace"), QStringLiteral("Seconds to wait for the last deliveries after the last publish (default 5)."),
                            QStringLiteral("s")),
         0, 60, &config->graceS},
        {QCommandLineOption(QStringLiteral("ws-nodes"), QStringLiteral("WebSocket nodes behind nginx (default 2)."), QStringLiteral("n")),
         1, 16, &config->webSocketNodes},
        {QCommandLineOption(QStringLiteral("comet-nodes"), QStringLiteral("Comet nodes behind nginx (default 2)."), QStringLiteral("n")),
         1, 16, &config->cometNodes},
        {QCommandLineOption(QStringLiteral("sources"), QStringLiteral("Source addresses 127.0.N.1 (N = 1..n) the Comet subscribers take in turn (default 8)."),
                            QStringLiteral("n")),
         1, 254, &config->sourceAddresses},
        {QCommandLineOption(QStringLiteral("batch"), QStringLiteral("Subscribers connected at once during the ramp; the next batch waits for every welcome (default 50)."),
                            QStringLiteral("n")),
         1, 1000, &config->connectBatch},
    };
    for (const IntOption &o : intOptions)
        parser.addOption(o.option);
    const QCommandLineOption requireOption(QStringLiteral("require-complete"),
                                           QStringLiteral("Fail (exit 1) when any delivery was lost or duplicated."));
    parser.addOption(requireOption);
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Also write the results as JSON to <file>."),
                                        QStringLiteral("file"));
    parser.addOption(jsonOption);

    auto fail = [exitCode](const QString &message) {
        std::fprintf(stderr, "duplex-bench-comet: %s (see --help)\n", qPrintable(message));
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
    config->requireComplete = parser.isSet(requireOption);
    config->jsonFile = parser.value(jsonOption);
    if (parser.isSet(jsonOption) && config->jsonFile.isEmpty())
        return fail(QStringLiteral("--json needs a file name"));
    if (config->subscribers() == 0)
        return fail(QStringLiteral("--comet and --ws are both 0: nothing to measure"));
    if (config->subscribers() > kMaxSubscribers)
        return fail(QStringLiteral("--comet plus --ws must stay at or under %1 (open-file limit)").arg(kMaxSubscribers));
    if (config->messageCount() < 1)
        return fail(QStringLiteral("--duration is shorter than one --interval-ms: nothing would be published"));
    if (config->messageCount() > payload::kMaxCounter + 1)
        return fail(QStringLiteral("duration / interval must stay at or under %1 messages").arg(payload::kMaxCounter + 1));
    if (config->messageCount() * config->subscribers() > kMaxDeliveries)
        return fail(QStringLiteral("messages x subscribers must stay under %1 deliveries").arg(kMaxDeliveries));
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    using namespace duplex;
    // The glib dispatcher is several times slower at WebSocket fan-out (QT64-NOTES.md),
    // and the subscribers share this process's event loop.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    bench::CometBenchConfig config;
    int exitCode = 0;
    if (!parseArguments(QCoreApplication::arguments(), &config, &exitCode))
        return exitCode;

    util::TerminationWatcher watcher;
    bench::CometBench comet(config);
    QObject::connect(&watcher, &util::TerminationWatcher::terminationRequested, &comet, [&comet](int signalNumber) {
        comet.interrupt(QStringLiteral("interrupted by signal %1").arg(signalNumber));
    });
    QObject::connect(&comet, &bench::CometBench::finished, &app, &QCoreApplication::exit);
    comet.run();
    return app.exec();
}
