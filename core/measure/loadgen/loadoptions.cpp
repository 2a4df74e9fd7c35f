#include "loadgen/loadoptions.h"

#include "protocol/codec.h"
#include "protocol/transport.h"
#include "util/optionvalue.h"

#include <QCommandLineParser>
#include <QLocale>
#include <QUrl>

namespace duplex::loadgen {

namespace {

constexpr int kMinSize = 16; // the payload header: send time, publisher, counter
// Worker processes: far more than the cores of a load-generating machine, and each holds
// file descriptors of its own.
constexpr int kMaxProcs = 64;

// Shortest text that reads back as the same double.
QString exactNumber(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

// The host back in a URL; an IPv6 literal needs its brackets, which QUrl adds.
QString urlOf(const LoadOptions &options)
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(options.host);
    url.setPort(options.port);
    url.setPath(QStringLiteral("/"));
    return url.toString();
}

} // namespace

LoadOptionsParse parseLoadOptions(const QStringList &arguments)
{
    LoadOptionsParse r;
    LoadOptions &o = r.options;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Duplex load generator: subscribers over WebSocket and/or Comet and publishers on one channel\n"
        "of a running cluster. Every message carries its send time and its publisher's counter, so\n"
        "receivers measure end-to-end latency, loss, duplicates and reordering.\n"
        "stdout: one JSON line per interval, then {\"summary\":...}; stderr: progress and a table.\n"
        "Exit status: 0 when the run completed, 1 when the cluster is unreachable or the subscribers\n"
        "cannot connect, 2 on bad options."));
    parser.addHelpOption();
    const QCommandLineOption protocolOption(
        QStringLiteral("protocol"),
        QStringLiteral("duplex (default) or nchan: with nchan, --url is an nchan server (POST /pub and /sub, "
                       "?channel=); ws subscribes over nchan's WebSocket, comet over its long-poll subscriber."),
        QStringLiteral("name"), QStringLiteral("duplex"));
    const QCommandLineOption transport(QStringLiteral("transport"), QStringLiteral("ws or comet; repeat for both under the same load (default ws)."),
                                       QStringLiteral("name"));
    const QCommandLineOption clients(QStringLiteral("clients"), QStringLiteral("Subscribers per transport (default 100)."), QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption publishers(QStringLiteral("publishers"), QStringLiteral("Publishing clients, over WebSocket (nchan: HTTP POST) (default 1)."),
                                        QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Messages per second, all publishers together (default 100)."),
                                  QStringLiteral("per-second"), QStringLiteral("100"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Characters per message, at least 16 (default 16)."),
                                  QStringLiteral("chars"), QStringLiteral("16"));
    const QCommandLineOption messages(QStringLiteral("messages"), QStringLiteral("Messages to publish in all; overrides --duration."),
                                      QStringLiteral("n"));
    const QCommandLineOption duration(QStringLiteral("duration"), QStringLiteral("Seconds of publishing (default 10)."),
                                      QStringLiteral("seconds"), QStringLiteral("10"));
    const QCommandLineOption channel(QStringLiteral("channel"), QStringLiteral("Channel (default loadgen)."), QStringLiteral("name"),
                                     QStringLiteral("loadgen"));
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("The cluster's public URL (default http://127.0.0.1:8080/)."),
                                 QStringLiteral("url"), QStringLiteral("http://127.0.0.1:8080/"));
    const QCommandLineOption spread(QStringLiteral("spread-sources"),
                                    QStringLiteral("Comet clients connect from 127.0.N.1 (N = 1..16) so nginx's ip_hash spreads them."));
    const QCommandLineOption noPresence(QStringLiteral("no-presence"),
                                        QStringLiteral("Subscribers ask not to be sent join/leave events (presence=0). n subscribers connecting\n"
                                                       "otherwise cost n^2/2 join deliveries before the first message."));
    const QCommandLineOption histograms(QStringLiteral("histograms"),
                                        QStringLiteral("Interval lines also carry each transport's latency histogram (\"hist\"), for charts."));
    const QCommandLineOption ramp(QStringLiteral("ramp"), QStringLiteral("Subscriber connects per second (default 500)."),
                                  QStringLiteral("per-second"), QStringLiteral("500"));
    const QCommandLineOption interval(QStringLiteral("interval"), QStringLiteral("Milliseconds between JSON lines (default 500)."),
                                      QStringLiteral("ms"), QStringLiteral("500"));
    const QCommandLineOption csv(QStringLiteral("csv"), QStringLiteral("Write per-iteration rows (the thesis's figure) to this CSV file."),
                                 QStringLiteral("file"));
    const QCommandLineOption grace(QStringLiteral("grace"), QStringLiteral("Seconds to wait for late messages after the last publish (default 5)."),
                                   QStringLiteral("seconds"), QStringLiteral("5"));
    const QCommandLineOption connectTimeout(QStringLiteral("connect-timeout"),
                                            QStringLiteral("Seconds allowed for every subscriber to connect (default 30)."),
                                            QStringLiteral("seconds"), QStringLiteral("30"));
    const QCommandLineOption procs(
        QStringLiteral("procs"),
        QStringLiteral("Processes for the subscribers, 1 to 64 (default 1). Above 1 the subscribers are split over that "
                       "many worker processes (at most one per client) so the load generator uses several cores; "
                       "this process publishes, merges their reports and prints what one process would."),
        QStringLiteral("n"), QStringLiteral("1"));
    // How a parent starts its workers (loadgen/workerprotocol.h); not for people.
    QCommandLineOption worker(QStringLiteral("worker"), QStringLiteral("Internal: run as worker i of K."), QStringLiteral("i/K"));
    worker.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({protocolOption, transport, clients, publishers, rate, size, messages, duration, channel, url, spread, noPresence, histograms, ramp,
                       interval, csv, grace, connectTimeout, procs, worker});

    auto fail = [&r](const QString &message) {
        r.status = LoadOptionsParse::Status::Error;
        r.text = message;
        return r;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        r.status = LoadOptionsParse::Status::Help;
        r.text = parser.helpText();
        return r;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first()));

    const QString protocolName = parser.value(protocolOption);
    if (protocolName == QLatin1String("nchan"))
        o.protocol = LoadOptions::Protocol::Nchan;
    else if (protocolName != QLatin1String("duplex"))
        return fail(QStringLiteral("--protocol: expected duplex or nchan, got %1").arg(protocolName));
    if (parser.isSet(transport)) {
        o.transports.clear();
        for (const QString &t : parser.values(transport)) {
            const std::optional<protocol::Transport> named = protocol::transportFromName(t);
            if (!named)
                return fail(QStringLiteral("--transport: expected ws or comet, got %1").arg(t));
            if (!o.transports.contains(*named))
                o.transports << *named;
        }
    }
    qint64 value = 0;
    if (!util::readInteger(parser.value(clients), 1, 20000, &value))
        return fail(QStringLiteral("--clients: expected 1 to 20000, got %1").arg(parser.value(clients)));
    o.clients = int(value);
    if (!util::readInteger(parser.value(publishers), 1, 1000, &value))
        return fail(QStringLiteral("--publishers: expected 1 to 1000, got %1").arg(parser.value(publishers)));
    o.publishers = int(value);
    if (!util::readNumber(parser.value(rate), 0.1, 1e6, &o.rate))
        return fail(QStringLiteral("--rate: expected 0.1 to 1000000 messages per second, got %1").arg(parser.value(rate)));
    if (!util::readInteger(parser.value(size), kMinSize, protocol::kDefaultMaxMessageBytes / 4, &value))
        return fail(QStringLiteral("--size: expected %1 to %2 characters, got %3")
                        .arg(kMinSize).arg(protocol::kDefaultMaxMessageBytes / 4).arg(parser.value(size)));
    o.size = int(value);
    if (parser.isSet(messages) && !util::readInteger(parser.value(messages), 1, 100000000, &o.messages))
        return fail(QStringLiteral("--messages: expected 1 to 100000000, got %1").arg(parser.value(messages)));
    if (!util::readNumber(parser.value(duration), 0.1, 86400, &o.durationSeconds))
        return fail(QStringLiteral("--duration: expected 0.1 to 86400 seconds, got %1").arg(parser.value(duration)));
    o.channel = parser.value(channel);
    if (!protocol::isValidChannel(o.channel))
        return fail(QStringLiteral("--channel must match [A-Za-z0-9_.-]{1,64}: %1").arg(o.channel));
    const QUrl parsedUrl(parser.value(url), QUrl::StrictMode);
    if (!parsedUrl.isValid() || parsedUrl.scheme() != QLatin1String("http") || parsedUrl.host().isEmpty())
        return fail(QStringLiteral("--url: expected http://host:port/, got %1").arg(parser.value(url)));
    o.host = parsedUrl.host();
    o.port = quint16(parsedUrl.port(80));
    o.spreadSources = parser.isSet(spread);
    o.presence = !parser.isSet(noPresence);
    o.histograms = parser.isSet(histograms);
    if (!util::readNumber(parser.value(ramp), 1, 1e6, &o.rampPerSecond))
        return fail(QStringLiteral("--ramp: expected 1 to 1000000 connects per second, got %1").arg(parser.value(ramp)));
    if (!util::readInteger(parser.value(interval), 50, 60000, &value))
        return fail(QStringLiteral("--interval: expected 50 to 60000 ms, got %1").arg(parser.value(interval)));
    o.intervalMs = int(value);
    o.csvPath = parser.value(csv);
    if (!util::readNumber(parser.value(grace), 0, 600, &o.graceSeconds))
        return fail(QStringLiteral("--grace: expected 0 to 600 seconds, got %1").arg(parser.value(grace)));
    if (!util::readInteger(parser.value(connectTimeout), 1, 3600, &value))
        return fail(QStringLiteral("--connect-timeout: expected 1 to 3600 seconds, got %1").arg(parser.value(connectTimeout)));
    o.connectTimeoutSeconds = int(value);
    if (!util::readInteger(parser.value(procs), 1, kMaxProcs, &value))
        return fail(QStringLiteral("--procs: expected 1 to %1, got %2").arg(kMaxProcs).arg(parser.value(procs)));
    o.procs = int(value);
    if (parser.isSet(worker)) {
        const QStringList parts = parser.value(worker).split(QLatin1Char('/'));
        qint64 index = 0;
        qint64 count = 0;
        if (parts.size() != 2 || !util::readInteger(parts.at(1), 1, kMaxProcs, &count) || !util::readInteger(parts.at(0), 0, count - 1, &index))
            return fail(QStringLiteral("--worker: expected i/K with 0 <= i < K <= %1, got %2").arg(kMaxProcs).arg(parser.value(worker)));
        if (parser.isSet(procs) && o.procs != count)
            return fail(QStringLiteral("--worker %1 does not match --procs %2").arg(parser.value(worker)).arg(o.procs));
        o.worker = int(index);
        o.procs = int(count);
    }
    return r;
}

QStringList workerArguments(const LoadOptions &options, int worker, int workers)
{
    QStringList arguments;
    if (options.protocol == LoadOptions::Protocol::Nchan)
        arguments << QStringLiteral("--protocol") << QStringLiteral("nchan");
    for (const protocol::Transport transport : options.transports)
        arguments << QStringLiteral("--transport") << protocol::transportName(transport);
    arguments << QStringLiteral("--clients") << QString::number(options.clients) << QStringLiteral("--publishers")
              << QString::number(options.publishers) << QStringLiteral("--channel") << options.channel
              << QStringLiteral("--url") << urlOf(options) << QStringLiteral("--ramp")
              << exactNumber(options.rampPerSecond) << QStringLiteral("--worker")
              << QStringLiteral("%1/%2").arg(worker).arg(workers);
    if (options.spreadSources)
        arguments << QStringLiteral("--spread-sources");
    if (!options.presence)
        arguments << QStringLiteral("--no-presence");
    return arguments;
}

QStringList loadArguments(const LoadOptions &options)
{
    QStringList arguments;
    arguments << QStringLiteral("--protocol")
              << (options.protocol == LoadOptions::Protocol::Nchan ? QStringLiteral("nchan") : QStringLiteral("duplex"));
    for (const protocol::Transport transport : options.transports)
        arguments << QStringLiteral("--transport") << protocol::transportName(transport);
    // "--name=value" for free text: a value starting with '-' is then never read as an option.
    arguments << QStringLiteral("--clients") << QString::number(options.clients)
              << QStringLiteral("--publishers") << QString::number(options.publishers)
              << QStringLiteral("--rate") << exactNumber(options.rate)
              << QStringLiteral("--size") << QString::number(options.size)
              << QStringLiteral("--duration") << exactNumber(options.durationSeconds)
              << QStringLiteral("--channel=%1").arg(options.channel)
              << QStringLiteral("--url") << urlOf(options)
              << QStringLiteral("--ramp") << exactNumber(options.rampPerSecond)
              << QStringLiteral("--interval") << QString::number(options.intervalMs)
              << QStringLiteral("--grace") << exactNumber(options.graceSeconds)
              << QStringLiteral("--connect-timeout") << QString::number(options.connectTimeoutSeconds);
    // 0 means "use --duration" and has no spelling of its own.
    if (options.messages > 0)
        arguments << QStringLiteral("--messages") << QString::number(options.messages);
    if (options.spreadSources)
        arguments << QStringLiteral("--spread-sources");
    if (!options.presence)
        arguments << QStringLiteral("--no-presence");
    if (options.histograms)
        arguments << QStringLiteral("--histograms");
    if (!options.csvPath.isEmpty())
        arguments << QStringLiteral("--csv=%1").arg(options.csvPath);
    // --worker i/K sets procs to K itself; a matching --procs is accepted alongside it.
    arguments << QStringLiteral("--procs") << QString::number(options.procs);
    if (options.worker >= 0)
        arguments << QStringLiteral("--worker") << QStringLiteral("%1/%2").arg(options.worker).arg(options.procs);
    return arguments;
}

} // namespace duplex::loadgen
