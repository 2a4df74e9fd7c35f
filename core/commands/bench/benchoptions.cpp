#include "bench/benchoptions.h"

#include "protocol/transport.h"
#include "util/optionvalue.h"

#include <QCommandLineParser>

namespace duplex::bench {

BenchParse parseBenchOptions(const QStringList &arguments)
{
    BenchParse r;
    auto fail = [&r](const QString &message) {
        r.status = BenchParse::Status::Error;
        r.text = message;
        return r;
    };
    const QString kind = arguments.value(2);
    if (kind == QLatin1String("--help") || kind == QLatin1String("-h") || kind.isEmpty()) {
        r.status = kind.isEmpty() ? BenchParse::Status::Error : BenchParse::Status::Help;
        r.text = kind.isEmpty() ? QStringLiteral("bench: which experiment? thesis or scale")
                                : QStringLiteral("Usage: duplexctl bench <thesis|scale> [options]\n\n"
                                                 "  thesis  the 2016 thesis's Comet-against-WebSocket experiment: CSV, PNG chart, table\n"
                                                 "  scale   100 / 1000 / 5000 subscribers x WebSocket / Comet: one row each\n\n"
                                                 "Run `duplexctl bench <experiment> --help` for its options.\n");
        return r;
    }
    if (kind != QLatin1String("thesis") && kind != QLatin1String("scale"))
        return fail(QStringLiteral("bench: unknown experiment `%1` (thesis or scale)").arg(kind));
    BenchConfig &c = r.config;
    c.kind = kind == QLatin1String("thesis") ? BenchConfig::Kind::Thesis : BenchConfig::Kind::Scale;

    QCommandLineParser parser;
    const bool thesis = c.kind == BenchConfig::Kind::Thesis;
    parser.setApplicationDescription(
        thesis ? QStringLiteral(
                     "duplexctl bench thesis: the experiment of the 2016 thesis, done properly. Starts a cluster of its\n"
                     "own (2 WebSocket + 2 Comet nodes behind nginx, ip_hash spread over source addresses),\n"
                     "subscribes --clients per transport, publishes --iterations messages of --size characters\n"
                     "--interval-ms apart, and writes thesis.csv (per iteration: mean time between messages and\n"
                     "mean latency per transport), thesis.png (the chart) and prints the table.")
               : QStringLiteral(
                     "duplexctl bench scale: one run per subscriber count and transport, each on a fresh cluster\n"
                     "(2 WebSocket + 2 Comet nodes behind nginx), subscribers asking for messages only (presence=0).\n"
                     "Prints one row each: delivered/s, latency\n"
                     "p50/p99, loss, node memory per connection and server CPU per delivered message (read\n"
                     "from /proc for every server process, nginx included), and writes scale.json. With --peer nchan\n"
                     "each cell runs again against nchan, followed by an nchan table and a Duplex/nchan ratio table."));
    parser.addHelpOption();
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Directory for the output files (default: the current one)."),
                                 QStringLiteral("dir"), QStringLiteral("."));
    const QCommandLineOption nginx(QStringLiteral("nginx"), QStringLiteral("nginx binary (default: nginx on PATH or /usr/sbin/nginx)."),
                                   QStringLiteral("path"));
    const QCommandLineOption clients(QStringLiteral("clients"), QStringLiteral("Subscribers per transport (default 100)."),
                                     QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption iterations(QStringLiteral("iterations"), QStringLiteral("Messages published (default 100)."),
                                        QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Characters per message (default 16)."),
                                  QStringLiteral("chars"), QStringLiteral("16"));
    const QCommandLineOption interval(QStringLiteral("interval-ms"), QStringLiteral("Milliseconds between two messages (default 5)."),
                                      QStringLiteral("ms"), QStringLiteral("5"));
    const QCommandLineOption sizes(QStringLiteral("sizes"), QStringLiteral("Subscriber counts, comma-separated (default 100,1000,5000)."),
                                   QStringLiteral("list"), QStringLiteral("100,1000,5000"));
    const QCommandLineOption transports(QStringLiteral("transports"), QStringLiteral("Transports, comma-separated (default ws,comet)."),
                                        QStringLiteral("list"), QStringLiteral("ws,comet"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Messages per second in each run (default 10)."),
                                  QStringLiteral("per-second"), QStringLiteral("10"));
    const QCommandLineOption duration(QStringLiteral("duration"), QStringLiteral("Seconds of publishing in each run (default 10)."),
                                      QStringLiteral("seconds"), QStringLiteral("10"));
    const QCommandLineOption peer(QStringLiteral("peer"),
                                  QStringLiteral("Run every cell again against this yardstick (only nchan: Debian's "
                                                 "libnginx-mod-nchan in a user-level nginx) and print the ratios Duplex/nchan."),
                                  QStringLiteral("name"));
    parser.addOptions({out, nginx});
    if (thesis)
        parser.addOptions({clients, iterations, size, interval});
    else
        parser.addOptions({sizes, transports, rate, duration, peer});

    QStringList rest = arguments.mid(3);
    rest.prepend(QStringLiteral("duplexctl bench ") + kind);
    if (!parser.parse(rest))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        r.status = BenchParse::Status::Help;
        r.text = parser.helpText();
        return r;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first()));
    c.outDir = parser.value(out);
    c.nginxProgram = parser.value(nginx);

    auto readInt = [&parser](const QCommandLineOption &option, int low, int high, int *value) {
        return util::readInteger(parser.value(option), low, high, value);
    };
    if (thesis) {
        if (!readInt(clients, 1, 5000, &c.clients))
            return fail(QStringLiteral("--clients: expected 1 to 5000, got %1").arg(parser.value(clients)));
        if (!readInt(iterations, 2, 1000000, &c.iterations))
            return fail(QStringLiteral("--iterations: expected 2 to 1000000, got %1").arg(parser.value(iterations)));
        if (!readInt(size, 16, 16384, &c.size))
            return fail(QStringLiteral("--size: expected 16 to 16384 characters, got %1").arg(parser.value(size)));
        if (!readInt(interval, 1, 60000, &c.intervalMs))
            return fail(QStringLiteral("--interval-ms: expected 1 to 60000, got %1").arg(parser.value(interval)));
        return r;
    }
    c.sizes.clear();
    for (const QString &item : parser.value(sizes).split(QLatin1Char(','))) {
        bool ok = false;
        const int n = item.trimmed().toInt(&ok);
        if (!ok || n < 1 || n > 10000)
            return fail(QStringLiteral("--sizes: expected counts from 1 to 10000, got %1").arg(item));
        c.sizes << n;
    }
    c.transports.clear();
    for (const QString &item : parser.value(transports).split(QLatin1Char(','))) {
        const std::optional<protocol::Transport> t = protocol::transportFromName(item.trimmed());
        if (!t)
            return fail(QStringLiteral("--transports: expected ws and/or comet, got %1").arg(item));
        if (!c.transports.contains(*t))
            c.transports << *t;
    }
    if (!util::readNumber(parser.value(rate), 0.1, 10000, &c.rate))
        return fail(QStringLiteral("--rate: expected 0.1 to 10000, got %1").arg(parser.value(rate)));
    if (!util::readNumber(parser.value(duration), 1, 3600, &c.durationSeconds))
        return fail(QStringLiteral("--duration: expected 1 to 3600 seconds, got %1").arg(parser.value(duration)));
    if (parser.isSet(peer)) {
        if (parser.value(peer) != QLatin1String("nchan"))
            return fail(QStringLiteral("--peer: expected nchan, got %1").arg(parser.value(peer)));
        c.peer = parser.value(peer);
    }
    return r;
}

} // namespace duplex::bench
