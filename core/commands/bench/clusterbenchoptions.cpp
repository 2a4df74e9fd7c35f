#include "bench/clusterbenchoptions.h"

#include "load/payload.h"
#include "util/optionvalue.h"

#include <QCommandLineParser>

namespace duplex::bench {

namespace {

// The open-file limit here is 20000 per process; leave room for the rest of the bench.
constexpr int kMaxSubscribers = 18000;
// The nodes refuse more than 1000 publishes per second from one client.
constexpr int kMaxRate = 1000;
// The payload must fit the nodes' 64 KiB message limit with its JSON around it, and its
// filler takes 2 UTF-8 bytes a character.
constexpr int kMaxSize = 30000;
// The join of every subscriber goes to every earlier one: settling after the ramp means
// delivering N^2/2 join events, which takes minutes at the largest sizes.
constexpr int kConnectTimeoutSeconds = 300;

struct IntOption
{
    QCommandLineOption option;
    int min;
    int max;
    int *target;
};

} // namespace

QString ClusterBenchConfig::program() const
{
    return kind == ClusterBenchKind::Comet ? QStringLiteral("duplex-bench-comet") : QStringLiteral("duplex-bench-fanout");
}

BenchRunConfig ClusterBenchConfig::runConfig() const
{
    BenchRunConfig run;
    run.target.webSocketNodes = webSocketNodes;
    run.target.cometNodes = cometNodes;
    run.load = load;
    run.requireComplete = requireComplete;
    run.title = QStringLiteral("%1: 1 WebSocket publisher, %2 messages of %3 characters at %4/s; %5 client(s) per transport; "
                               "%6 WebSocket + %7 Comet nodes behind nginx")
                    .arg(program()).arg(load.messages).arg(load.size).arg(load.rate).arg(load.clients)
                    .arg(webSocketNodes).arg(cometNodes);
    return run;
}

ClusterBenchParse parseClusterBenchOptions(ClusterBenchKind kind, const QStringList &arguments)
{
    ClusterBenchParse r;
    ClusterBenchConfig &c = r.config;
    c.kind = kind;
    loadgen::LoadOptions &load = c.load;
    load.channel = QStringLiteral("bench");
    load.connectTimeoutSeconds = kConnectTimeoutSeconds;
    load.durationSeconds = 20;
    const bool comet = kind == ClusterBenchKind::Comet;
    int clients = comet ? 100 : 1000;
    int intervalMs = 10;
    int rate = 100;
    int durationS = 20;
    int graceS = comet ? 5 : 2;
    int ramp = 500;

    QCommandLineParser parser;
    parser.setApplicationDescription(
        comet ? QStringLiteral(
                    "Measures Comet (HTTP long-polling) against WebSocket side by side, as the 2016 thesis did.\n"
                    "\n"
                    "Starts a Duplex cluster (broker, WebSocket and Comet nodes, static node, nginx) on a free\n"
                    "port, connects --clients Comet and as many WebSocket subscribers to one channel through\n"
                    "nginx (Comet subscribers bind 127.0.1.1-127.0.16.1, so nginx's ip_hash spreads them over\n"
                    "the Comet nodes), publishes a message every interval from one WebSocket client and prints\n"
                    "one table row per transport: delivered / expected, lost, duplicated and out-of-order\n"
                    "deliveries; end-to-end latency p50 / p99 / max; the mean time between consecutive messages\n"
                    "averaged over clients (the thesis's figure), its spread over clients and the jitter within\n"
                    "a client; Comet polls per delivered message; the nodes' CPU per delivered message and\n"
                    "memory per client (from /proc).\n"
                    "\n"
                    "Exit status: 0 when the run completed; 1 when the cluster or the clients failed (or, with\n"
                    "--require-complete, when a delivery was lost or duplicated); 2 on a bad command line.")
              : QStringLiteral(
                    "Starts a Duplex cluster (broker, WebSocket nodes, static node, nginx) on a free port,\n"
                    "connects N WebSocket subscribers through nginx, publishes messages at a fixed rate from\n"
                    "one more WebSocket client and prints delivered messages/s, end-to-end latency, lost and\n"
                    "duplicated deliveries and the nodes' memory per connection and CPU per message.\n"
                    "Exits 0 only when nothing was lost or duplicated."));
    parser.addHelpOption();
    QList<IntOption> intOptions;
    if (comet) {
        intOptions = {
            {QCommandLineOption(QStringLiteral("clients"), QStringLiteral("Subscribers per transport (default 100)."), QStringLiteral("n")),
             1, kMaxSubscribers / 2, &clients},
            {QCommandLineOption(QStringLiteral("interval-ms"), QStringLiteral("Milliseconds between two publishes (default 10)."),
                                QStringLiteral("ms")),
             1, 60000, &intervalMs},
            {QCommandLineOption(QStringLiteral("comet-nodes"), QStringLiteral("Comet nodes behind nginx (default 2)."), QStringLiteral("n")),
             1, 16, &c.cometNodes},
        };
    } else {
        intOptions = {
            {QCommandLineOption(QStringLiteral("subscribers"), QStringLiteral("WebSocket subscribers (default 1000)."), QStringLiteral("n")),
             1, kMaxSubscribers, &clients},
            {QCommandLineOption(QStringLiteral("rate"), QStringLiteral("Messages published per second (default 100)."), QStringLiteral("n")),
             1, kMaxRate, &rate},
        };
    }
    intOptions += QList<IntOption>{
        {QCommandLineOption(QStringLiteral("duration"), QStringLiteral("Seconds of publishing (default 20)."), QStringLiteral("s")),
         1, 3600, &durationS},
        {QCommandLineOption(QStringLiteral("size"), QStringLiteral("Characters of data per message, at least %1 (default 16).")
                                                        .arg(load::kMinPayloadSize),
                            QStringLiteral("chars")),
         load::kMinPayloadSize, kMaxSize, &load.size},
        {QCommandLineOption(QStringLiteral("grace"), QStringLiteral("Seconds to wait for the last deliveries after the last publish "
                                                                    "(default %1).").arg(graceS),
                            QStringLiteral("s")),
         0, 60, &graceS},
        {QCommandLineOption(QStringLiteral("ws-nodes"), QStringLiteral("WebSocket nodes behind nginx (default 2)."), QStringLiteral("n")),
         1, 16, &c.webSocketNodes},
        {QCommandLineOption(QStringLiteral("ramp"), QStringLiteral("Subscribers connected per second (default 500)."), QStringLiteral("n")),
         1, 10000, &ramp},
    };
    for (const IntOption &o : intOptions)
        parser.addOption(o.option);
    const QCommandLineOption requireOption(QStringLiteral("require-complete"),
                                           QStringLiteral("Fail (exit 1) when any delivery was lost or duplicated."));
    if (comet)
        parser.addOption(requireOption);
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Also write the results as JSON to <file>."),
                                        QStringLiteral("file"));
    parser.addOption(jsonOption);

    auto fail = [&r](const QString &message) {
        r.status = ClusterBenchParse::Status::Error;
        r.text = message;
        return r;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        r.status = ClusterBenchParse::Status::Help;
        r.text = parser.helpText();
        return r;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument %1").arg(parser.positionalArguments().constFirst()));
    for (const IntOption &o : intOptions) {
        if (!parser.isSet(o.option))
            continue;
        const QString text = parser.value(o.option);
        if (!util::readInteger(text, o.min, o.max, o.target))
            return fail(QStringLiteral("--%1: expected an integer from %2 to %3, got %4")
                            .arg(o.option.names().constFirst()).arg(o.min).arg(o.max).arg(text));
    }
    c.requireComplete = !comet || parser.isSet(requireOption);
    c.jsonFile = parser.value(jsonOption);
    if (parser.isSet(jsonOption) && c.jsonFile.isEmpty())
        return fail(QStringLiteral("--json needs a file name"));

    load.clients = clients;
    load.transports = comet ? QList<protocol::Transport>{protocol::Transport::Comet, protocol::Transport::WebSocket}
                            : QList<protocol::Transport>{protocol::Transport::WebSocket};
    load.spreadSources = comet;
    load.rate = comet ? 1000.0 / intervalMs : rate;
    load.messages = comet ? qint64(durationS) * 1000 / intervalMs : qint64(rate) * durationS;
    load.durationSeconds = durationS;
    load.graceSeconds = graceS;
    load.rampPerSecond = ramp;
    if (load.messages < 1)
        return fail(QStringLiteral("--duration is shorter than one --interval-ms: nothing would be published"));
    if (load.rate > kMaxRate)
        return fail(QStringLiteral("more than %1 messages per second: the nodes refuse them from one publisher").arg(kMaxRate));
    if (load.messages >= load::kCounterLimit)
        return fail(QStringLiteral("at most %1 messages").arg(load::kCounterLimit - 1));
    return r;
}

} // namespace duplex::bench
