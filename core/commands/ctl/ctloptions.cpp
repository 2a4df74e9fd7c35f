#include "ctl/ctloptions.h"

#include "util/optionvalue.h"
#include "util/role.h"

#include <QCommandLineParser>
#include <QProcess>

#include <utility>

namespace duplex::ctl {

namespace {

const char kOverview[] =
    "Usage: duplexctl <command> [options]\n"
    "\n"
    "Runs a Duplex cluster: broker, WebSocket and Comet nodes, the static node and nginx in\n"
    "front of them, all on loopback.\n"
    "\n"
    "Commands:\n"
    "  up      Start the cluster and keep it running until Ctrl-C or SIGTERM.\n"
    "  bench   Run an experiment on a cluster of its own: `bench thesis` (the 2016 thesis's\n"
    "          Comet-against-WebSocket figure) or `bench scale` (100 to 5000 subscribers).\n"
    "\n"
    "Run `duplexctl <command> --help` for the options of a command.\n";

bool readCount(const QCommandLineParser &parser, const QCommandLineOption &option, int min, int max, int *out)
{
    return util::readInteger(parser.value(option), min, max, out);
}

} // namespace

CtlParse parseCtlOptions(const QStringList &arguments)
{
    CtlParse r;
    auto fail = [&r](const QString &message) {
        r.status = CtlParse::Status::Error;
        r.text = message;
        return r;
    };
    const QString command = arguments.value(1);
    if (command.isEmpty() || command == QLatin1String("--help") || command == QLatin1String("-h")
        || command == QLatin1String("help")) {
        r.status = command.isEmpty() ? CtlParse::Status::Error : CtlParse::Status::Help;
        r.text = command.isEmpty() ? QStringLiteral("no command given (try `duplexctl up`)")
                                   : QString::fromLatin1(kOverview);
        return r;
    }
    if (command == QLatin1String("bench")) {
        const bench::BenchParse bench = bench::parseBenchOptions(arguments);
        r.command = CtlParse::Command::Bench;
        r.bench = bench.config;
        r.text = bench.text;
        r.status = bench.status == bench::BenchParse::Status::Ok     ? CtlParse::Status::Ok
                   : bench.status == bench::BenchParse::Status::Help ? CtlParse::Status::Help
                                                              : CtlParse::Status::Error;
        return r;
    }
    if (command != QLatin1String("up"))
        return fail(QStringLiteral("unknown command `%1` (commands: up, bench)").arg(command));
    r.command = CtlParse::Command::Up;

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "duplexctl up: start the cluster (the thesis's `gulp serve`) and keep it running.\n"
        "Starts the broker, the nodes, the static node and nginx, waits until every one answers,\n"
        "prints the URLs and a live status line. Ctrl-C or SIGTERM stops every process; if\n"
        "duplexctl itself is killed, its children die with it."));
    parser.addHelpOption();
    const QCommandLineOption wsOption(QStringLiteral("ws"), QStringLiteral("WebSocket nodes (default 2)."), QStringLiteral("n"), QStringLiteral("2"));
    const QCommandLineOption cometOption(QStringLiteral("comet"), QStringLiteral("Comet (long-polling) nodes (default 2)."), QStringLiteral("n"), QStringLiteral("2"));
    const QCommandLineOption holdOption(QStringLiteral("hold"), QStringLiteral("Seconds a Comet poll is held before it is answered [] (default 25)."),
                                        QStringLiteral("seconds"), QStringLiteral("25"));
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Public port of nginx on 127.0.0.1; 0 picks a free one (default 8080)."),
                                        QStringLiteral("port"), QStringLiteral("8080"));
    const QCommandLineOption restartOption(QStringLiteral("restart"), QStringLiteral("Restart nodes that exit, with backoff."));
    const QCommandLineOption balanceOption(QStringLiteral("comet-balance"),
                                           QStringLiteral("Comet stickiness: ip_hash (by address, the thesis) or client (hash of clientId) (default ip_hash)."),
                                           QStringLiteral("mode"), QStringLiteral("ip_hash"));
    const QCommandLineOption historyOption(QStringLiteral("history"), QStringLiteral("Events the cluster keeps per channel for resume: the broker all of them, each node up to 1000 (default 10000)."),
                                           QStringLiteral("n"), QStringLiteral("10000"));
    const QCommandLineOption runtimeOption(QStringLiteral("runtime-dir"),
                                           QStringLiteral("Directory for nginx.conf, logs and temp files (default: a fresh /tmp/duplex-XXXXXX, removed at exit)."),
                                           QStringLiteral("dir"));
    const QCommandLineOption webRootOption(QStringLiteral("web-root"), QStringLiteral("Directory the static node serves (default: the built-in web client)."),
                                           QStringLiteral("dir"));
    const QCommandLineOption nginxOption(QStringLiteral("nginx"), QStringLiteral("nginx binary (default: nginx on PATH or /usr/sbin/nginx)."),
                                         QStringLiteral("path"));
    // Every bound of docs/PROTOCOL.md is a server option: these pass them on.
    const std::pair<QCommandLineOption, util::Role> serverOptions[] = {
        {QCommandLineOption(QStringLiteral("broker-option"),
                            QStringLiteral("An option for the broker, as duplex-broker --help lists it, e.g.\n"
                                           "--broker-option=--max-channels=500 or --broker-option \"--history-total 1073741824\";\n"
                                           "repeatable."),
                            QStringLiteral("option")),
         util::Role::Broker},
        {QCommandLineOption(QStringLiteral("ws-option"),
                            QStringLiteral("An option for every WebSocket node (duplex-ws-node --help); repeatable."),
                            QStringLiteral("option")),
         util::Role::WebSocket},
        {QCommandLineOption(QStringLiteral("comet-option"),
                            QStringLiteral("An option for every Comet node (duplex-comet-node --help); repeatable."),
                            QStringLiteral("option")),
         util::Role::Comet},
    };
    parser.addOptions({wsOption, cometOption, holdOption, portOption, restartOption, balanceOption, historyOption,
                       runtimeOption, webRootOption, nginxOption});
    for (const auto &[option, role] : serverOptions)
        parser.addOption(option);

    QStringList rest = arguments;
    rest.removeAt(1);
    rest[0] = QStringLiteral("duplexctl up");
    if (!parser.parse(rest))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        r.status = CtlParse::Status::Help;
        r.text = parser.helpText();
        return r;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first()));

    control::ClusterConfig &c = r.config;
    if (!readCount(parser, wsOption, 0, 64, &c.webSocketNodes))
        return fail(QStringLiteral("--ws: expected 0 to 64, got %1").arg(parser.value(wsOption)));
    if (!readCount(parser, cometOption, 0, 64, &c.cometNodes))
        return fail(QStringLiteral("--comet: expected 0 to 64, got %1").arg(parser.value(cometOption)));
    if (c.webSocketNodes + c.cometNodes == 0)
        return fail(QStringLiteral("--ws and --comet are both 0: the cluster needs at least one node"));
    if (!readCount(parser, holdOption, 1, 3600, &c.cometHoldSeconds))
        return fail(QStringLiteral("--hold: expected 1 to 3600 seconds, got %1").arg(parser.value(holdOption)));
    int port = 0;
    if (!readCount(parser, portOption, 0, 65535, &port))
        return fail(QStringLiteral("--port: expected 0 to 65535, got %1").arg(parser.value(portOption)));
    c.port = quint16(port);
    if (!nginx::cometBalanceFromName(parser.value(balanceOption), &c.cometBalance))
        return fail(QStringLiteral("--comet-balance: expected ip_hash or client, got %1").arg(parser.value(balanceOption)));
    if (!readCount(parser, historyOption, 1, 10000000, &c.history))
        return fail(QStringLiteral("--history: expected 1 to 10000000, got %1").arg(parser.value(historyOption)));
    c.restart = parser.isSet(restartOption);
    c.runtimeDir = parser.value(runtimeOption);
    c.webRoot = parser.value(webRootOption);
    c.nginxProgram = parser.value(nginxOption);
    // Passed after the cluster's own, so they win; a server refusing one fails the start
    // with its own message.
    for (const auto &[option, role] : serverOptions) {
        for (const QString &value : parser.values(option)) {
            const QStringList words = QProcess::splitCommand(value);
            if (words.isEmpty() || !words.first().startsWith(QLatin1String("--")))
                return fail(QStringLiteral("--%1: expected a server option such as --max-lag=5, got \"%2\"")
                                .arg(option.names().constFirst(), value));
            c.serverArguments[role] << words;
        }
    }
    return r;
}

} // namespace duplex::ctl
