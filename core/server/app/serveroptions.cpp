#include "app/serveroptions.h"

#include "protocol/codec.h"
#include "util/optionvalue.h"
#include "util/role.h"

#include <QCommandLineParser>

#include <limits>

namespace duplex::app {

namespace {

// --history-bytes and --buffer-bytes at least: a few of the largest events (64 KiB of
// data, escaped).
constexpr qint64 kMinHistoryBytes = 1024 * 1024;
// --max-node-lag at least: history replies are cut at a quarter of it (at least one event
// each), and a node that reads must not be dropped for the burst of one event loop pass.
constexpr qint64 kMinNodeLag = 1024 * 1024;
// The cluster secret, in bytes: generated ones are 32; a hello must stay short.
constexpr qsizetype kMaxSecretBytes = 1024;
// Publishes per second per client: far above what a node takes from one connection.
constexpr double kMaxRateLimit = 1e6;
// A node's connections: each takes a file descriptor, and the hard limit here is 20000.
constexpr int kMaxConnections = 1000000;
// --max-backlog at least: a resume fills a socket to 1 MiB before it waits for the reader,
// so anything less would close fast readers of a large resume.
constexpr qint64 kMinBacklogBytes = 1024 * 1024;
// --max-channels at most: each costs the broker its name and head (about 200 bytes)
// whatever its history, so 100 million is ~20 GiB.
constexpr int kMaxChannels = 100000000;
// --channel-idle at most: a day.
constexpr double kMaxChannelIdleSeconds = 86400;

bool parsePort(const QString &text, quint16 *port)
{
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value > 65535)
        return false;
    *port = quint16(value);
    return true;
}

bool parseHostPort(const QString &text, QHostAddress *host, quint16 *port)
{
    const int colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    QHostAddress address;
    const QString hostText = text.left(colon);
    if (!address.setAddress(hostText == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : hostText))
        return false;
    if (!parsePort(text.mid(colon + 1), port) || *port == 0)
        return false;
    *host = address;
    return true;
}

} // namespace

ServerOptionsParse parseServerOptions(util::Role role, const QStringList &arguments,
                                      const QByteArray &secret, const QString &defaultRoot)
{
    ServerOptionsParse r;
    ServerOptions &o = r.options;
    const bool isNode = role == util::Role::WebSocket || role == util::Role::Comet;

    QCommandLineParser parser;
    switch (role) {
    case util::Role::Broker:
        parser.setApplicationDescription(QStringLiteral(
            "Duplex broker: sequences every event of a channel cluster-wide (seq), relays it to every\n"
            "node and keeps a bounded history for resume. Nodes must present the cluster secret,\n"
            "read from the environment variable DUPLEX_SECRET.\n"
            "Prints `READY {\"role\":\"broker\",\"port\":P,\"admin\":A,...}` once listening."));
        break;
    case util::Role::WebSocket:
        parser.setApplicationDescription(QStringLiteral(
            "Duplex WebSocket node: the /ws/ surface of the contract (welcome, publish, ack, since\n"
            "resume, join/leave). Connects to the broker with the secret in DUPLEX_SECRET; if that link\n"
            "drops, keeps its clients, reconnects and catches up, and exits after 60 s without a broker.\n"
            "Prints `READY {\"role\":\"ws\",\"port\":P,\"admin\":A,...}` once listening."));
        break;
    case util::Role::Comet:
        parser.setApplicationDescription(QStringLiteral(
            "Duplex Comet node: the long-polling surface of the contract, GET /xhr/subscribe (welcome,\n"
            "then polls held until an event after `since` exists) and POST /xhr/publish. Connects to\n"
            "the broker with the secret in DUPLEX_SECRET (if that link drops, keeps its clients,\n"
            "reconnects and catches up, and exits after 60 s without a broker). A client that has not\n"
            "polled for twice the hold time leaves the channel.\n"
            "Prints `READY {\"role\":\"comet\",\"port\":P,\"admin\":A,...}` once listening."));
        break;
    case util::Role::Static:
        parser.setApplicationDescription(QStringLiteral(
            "Duplex static node: serves the browser client over HTTP (GET and HEAD only), never a\n"
            "file outside its root.\n"
            "Prints `READY {\"role\":\"static\",\"port\":P,\"admin\":A,...}` once listening."));
        break;
    case util::Role::Nginx:
        r.status = ServerOptionsParse::Status::Error;
        r.text = QStringLiteral("nginx is not a Duplex server binary");
        return r;
    }
    parser.addHelpOption();
    const QCommandLineOption hostOption(QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Port to listen on; 0 picks a free one (default 0)."),
                                        QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption adminOption(QStringLiteral("admin-port"),
                                         QStringLiteral("Port of /healthz and /metrics on the same address; 0 picks a free one (default 0)."),
                                         QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption nameOption(QStringLiteral("name"), QStringLiteral("Name of this process in logs and welcome.node (default: the role)."),
                                        QStringLiteral("name"), util::roleName(role));
    const QCommandLineOption brokerOption(QStringLiteral("broker"), QStringLiteral("Broker address, host:port (required)."),
                                          QStringLiteral("host:port"));
    const QCommandLineOption historyOption(QStringLiteral("history"), QStringLiteral("Events kept per channel for resume (default 10000)."),
                                           QStringLiteral("count"), QStringLiteral("10000"));
    const QCommandLineOption historyBytesOption(
        QStringLiteral("history-bytes"),
        QStringLiteral("Bytes of events (their JSON) kept per channel for resume; the oldest go first (default 64 MiB)."),
        QStringLiteral("bytes"), QString::number(64 * 1024 * 1024));
    const QCommandLineOption historyTotalOption(
        QStringLiteral("history-total"),
        QStringLiteral("Bytes of events kept over all channels; past it the oldest events of any channel go first\n"
                       "(at least --history-bytes, default 256 MiB)."),
        QStringLiteral("bytes"), QString::number(256LL << 20));
    const QCommandLineOption bufferBytesOption(
        QStringLiteral("buffer-bytes"),
        QStringLiteral("Bytes of events kept per channel on this node (at least 1 MiB, default 8 MiB)."),
        QStringLiteral("bytes"), QString::number(8LL << 20));
    const QCommandLineOption bufferTotalOption(
        QStringLiteral("buffer-total"),
        QStringLiteral("Bytes of events kept over all channels on this node; past it the oldest go first (at least\n"
                       "--buffer-bytes, default 256 MiB)."),
        QStringLiteral("bytes"), QString::number(256LL << 20));
    const QCommandLineOption maxNodeLagOption(
        QStringLiteral("max-node-lag"),
        QStringLiteral("Bytes written to one node and not yet read by it, at most; past that the node is "
                       "dropped and catches up from history when it reconnects (at least 1 MiB, default 64 MiB)."),
        QStringLiteral("bytes"), QString::number(64 * 1024 * 1024));
    const QCommandLineOption maxChannelsOption(
        QStringLiteral("max-channels"),
        QStringLiteral("Channels numbered at most; past it a publish to a new channel is refused with `unavailable`.\n"
                       "A channel keeps its head for good once numbered (1 to %1, default 100000).").arg(kMaxChannels),
        QStringLiteral("count"), QStringLiteral("100000"));
    const QCommandLineOption channelIdleOption(
        QStringLiteral("channel-idle"),
        QStringLiteral("Seconds a channel with no client on this node and no event is kept; then the node forgets\n"
                       "it and asks the broker for its head when a client comes (0.1 to %1, default 300).")
            .arg(kMaxChannelIdleSeconds),
        QStringLiteral("seconds"), QStringLiteral("300"));
    const QCommandLineOption bufferOption(QStringLiteral("buffer"),
                                          QStringLiteral("Events kept per channel on this node; older ones come from the broker (default 1000)."),
                                          QStringLiteral("count"), QStringLiteral("1000"));
    const QCommandLineOption maxMessageOption(QStringLiteral("max-message"),
                                              QStringLiteral("Largest client message in bytes; larger ones are refused (default 65536)."),
                                              QStringLiteral("bytes"), QStringLiteral("65536"));
    const QCommandLineOption rateOption(QStringLiteral("rate-limit"),
                                        QStringLiteral("Publishes per second allowed per client, bursts of twice that; 0 = no limit (default 1000)."),
                                        QStringLiteral("per-second"), QStringLiteral("1000"));
    const QCommandLineOption holdOption(QStringLiteral("hold"),
                                        QStringLiteral("Seconds a poll is held before it is answered with [] (1 to 3600, default 25)."),
                                        QStringLiteral("seconds"), QStringLiteral("25"));
    const QCommandLineOption maxConnectionsOption(
        QStringLiteral("max-connections"),
        QStringLiteral("Clients this node holds at most (WebSocket connections, or Comet clients known); more are\n"
                       "refused with `unavailable` (default 10000)."),
        QStringLiteral("count"), QStringLiteral("10000"));
    const QCommandLineOption presenceLimitOption(
        QStringLiteral("presence-limit"),
        QStringLiteral("Members of one channel on this node past which join and leave are no longer sent to them\n"
                       "(welcome says \"presence\":false); 0 sends them to nobody (default 1000)."),
        QStringLiteral("count"), QStringLiteral("1000"));
    const QCommandLineOption maxPerAddressOption(
        QStringLiteral("max-per-address"),
        QStringLiteral("Connections from one source address (X-Real-IP behind nginx) at most; loopback clients are\n"
                       "not limited (default 1000)."),
        QStringLiteral("count"), QStringLiteral("1000"));
    const QCommandLineOption maxLagOption(
        QStringLiteral("max-lag"),
        QStringLiteral("Seconds a client may fall behind (the age of the oldest byte queued for it) before it is\n"
                       "closed with error too_slow and 1008; it can resume with since (0.1 to 3600, default 10)."),
        QStringLiteral("seconds"), QStringLiteral("10"));
    const QCommandLineOption maxBacklogOption(
        QStringLiteral("max-backlog"),
        QStringLiteral("Bytes queued unsent to one client past which it is closed at once (at least 1 MiB,\n"
                       "default 64 MiB)."),
        QStringLiteral("bytes"), QString::number(64LL << 20));
    const QCommandLineOption maxOutboundOption(
        QStringLiteral("max-outbound"),
        QStringLiteral("Bytes queued unsent to all clients together past which the largest backlogs are closed\n"
                       "(at least --max-backlog, default 256 MiB)."),
        QStringLiteral("bytes"), QString::number(256LL << 20));
    const QCommandLineOption newSessionRateOption(
        QStringLiteral("new-sessions"),
        QStringLiteral("New Comet clients per second from one source address (X-Real-IP behind nginx), bursts of\n"
                       "twice that; more polls with unknown clientIds get 429 (default 20)."),
        QStringLiteral("per-second"), QStringLiteral("20"));
    const QCommandLineOption rootOption(QStringLiteral("root"), QStringLiteral("Directory to serve (default: %1).").arg(defaultRoot),
                                        QStringLiteral("dir"), defaultRoot);
    parser.addOption(hostOption);
    parser.addOption(portOption);
    parser.addOption(adminOption);
    parser.addOption(nameOption);
    if (isNode) {
        parser.addOption(brokerOption);
        parser.addOption(bufferOption);
        parser.addOption(bufferBytesOption);
        parser.addOption(bufferTotalOption);
        parser.addOption(channelIdleOption);
        parser.addOption(maxMessageOption);
        parser.addOption(rateOption);
        parser.addOption(maxConnectionsOption);
        parser.addOption(presenceLimitOption);
    }
    if (role == util::Role::WebSocket) {
        parser.addOption(maxPerAddressOption);
        parser.addOption(maxLagOption);
        parser.addOption(maxBacklogOption);
        parser.addOption(maxOutboundOption);
    }
    if (role == util::Role::Comet) {
        parser.addOption(holdOption);
        parser.addOption(newSessionRateOption);
    }
    if (role == util::Role::Broker) {
        parser.addOption(historyOption);
        parser.addOption(historyBytesOption);
        parser.addOption(historyTotalOption);
        parser.addOption(maxNodeLagOption);
        parser.addOption(maxChannelsOption);
    }
    if (role == util::Role::Static)
        parser.addOption(rootOption);

    auto fail = [&r](const QString &message) {
        r.status = ServerOptionsParse::Status::Error;
        r.text = message;
        return r;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        r.status = ServerOptionsParse::Status::Help;
        r.text = parser.helpText();
        return r;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first()));

    if (!o.host.setAddress(parser.value(hostOption)))
        return fail(QStringLiteral("--host: not an IP address: %1").arg(parser.value(hostOption)));
    if (!parsePort(parser.value(portOption), &o.port))
        return fail(QStringLiteral("--port: not a port number: %1").arg(parser.value(portOption)));
    if (!parsePort(parser.value(adminOption), &o.adminPort))
        return fail(QStringLiteral("--admin-port: not a port number: %1").arg(parser.value(adminOption)));
    o.name = parser.value(nameOption);
    if (!protocol::isValidClientId(o.name))
        return fail(QStringLiteral("--name must match [A-Za-z0-9_.-]{1,64}: %1").arg(o.name));

    auto positiveInt = [&parser](const QCommandLineOption &option, int *out) {
        return util::readInteger(parser.value(option), 1, std::numeric_limits<int>::max(), out);
    };
    if (isNode) {
        if (!parser.isSet(brokerOption))
            return fail(QStringLiteral("--broker host:port is required"));
        if (!parseHostPort(parser.value(brokerOption), &o.brokerHost, &o.brokerPort))
            return fail(QStringLiteral("--broker: expected host:port, got %1").arg(parser.value(brokerOption)));
        if (!positiveInt(bufferOption, &o.buffer))
            return fail(QStringLiteral("--buffer: expected a positive count, got %1").arg(parser.value(bufferOption)));
        if (!util::readInteger(parser.value(bufferBytesOption), kMinHistoryBytes, std::numeric_limits<qint64>::max(), &o.bufferBytes))
            return fail(QStringLiteral("--buffer-bytes: expected a byte count of at least %1, got %2")
                            .arg(kMinHistoryBytes).arg(parser.value(bufferBytesOption)));
        if (!util::readInteger(parser.value(bufferTotalOption), o.bufferBytes, std::numeric_limits<qint64>::max(), &o.bufferTotalBytes))
            return fail(QStringLiteral("--buffer-total: expected a byte count of at least --buffer-bytes (%1), got %2")
                            .arg(o.bufferBytes).arg(parser.value(bufferTotalOption)));
        double idleSeconds = 0;
        if (!util::readNumber(parser.value(channelIdleOption), 0.1, kMaxChannelIdleSeconds, &idleSeconds))
            return fail(QStringLiteral("--channel-idle: expected 0.1 to %1 seconds, got %2")
                            .arg(kMaxChannelIdleSeconds).arg(parser.value(channelIdleOption)));
        o.channelIdleMs = int(idleSeconds * 1000);
        int maxMessage = 0;
        if (!positiveInt(maxMessageOption, &maxMessage))
            return fail(QStringLiteral("--max-message: expected a positive byte count, got %1").arg(parser.value(maxMessageOption)));
        o.maxMessageBytes = maxMessage;
        // Finite: "nan" and "inf" read as numbers, and a NaN limit would let everything by.
        if (!util::readNumber(parser.value(rateOption), 0, kMaxRateLimit, &o.rateLimit))
            return fail(QStringLiteral("--rate-limit: expected a number from 0 to %1, got %2").arg(kMaxRateLimit).arg(parser.value(rateOption)));
        if (!util::readInteger(parser.value(maxConnectionsOption), 1, kMaxConnections, &o.maxConnections))
            return fail(QStringLiteral("--max-connections: expected 1 to %1, got %2").arg(kMaxConnections).arg(parser.value(maxConnectionsOption)));
        if (!util::readInteger(parser.value(presenceLimitOption), 0, kMaxConnections, &o.presenceLimit))
            return fail(QStringLiteral("--presence-limit: expected 0 to %1, got %2").arg(kMaxConnections).arg(parser.value(presenceLimitOption)));
    }
    if (role == util::Role::WebSocket) {
        if (!util::readInteger(parser.value(maxPerAddressOption), 1, kMaxConnections, &o.maxPerAddress))
            return fail(QStringLiteral("--max-per-address: expected 1 to %1, got %2").arg(kMaxConnections).arg(parser.value(maxPerAddressOption)));
        double lagSeconds = 0;
        if (!util::readNumber(parser.value(maxLagOption), 0.1, 3600, &lagSeconds))
            return fail(QStringLiteral("--max-lag: expected 0.1 to 3600 seconds, got %1").arg(parser.value(maxLagOption)));
        o.maxLagMs = qint64(lagSeconds * 1000);
        if (!util::readInteger(parser.value(maxBacklogOption), kMinBacklogBytes, std::numeric_limits<qint64>::max(), &o.maxBacklogBytes))
            return fail(QStringLiteral("--max-backlog: expected a byte count of at least %1, got %2")
                            .arg(kMinBacklogBytes).arg(parser.value(maxBacklogOption)));
        if (!util::readInteger(parser.value(maxOutboundOption), o.maxBacklogBytes, std::numeric_limits<qint64>::max(), &o.maxOutboundBytes))
            return fail(QStringLiteral("--max-outbound: expected a byte count of at least --max-backlog (%1), got %2")
                            .arg(o.maxBacklogBytes).arg(parser.value(maxOutboundOption)));
    }
    if (role == util::Role::Comet && !util::readNumber(parser.value(newSessionRateOption), 0.1, kMaxRateLimit, &o.newSessionRate))
        return fail(QStringLiteral("--new-sessions: expected a number from 0.1 to %1, got %2").arg(kMaxRateLimit).arg(parser.value(newSessionRateOption)));
    if (role == util::Role::Comet && (!positiveInt(holdOption, &o.holdSeconds) || o.holdSeconds > 3600))
        return fail(QStringLiteral("--hold: expected 1 to 3600 seconds, got %1").arg(parser.value(holdOption)));
    if (role == util::Role::Broker && !positiveInt(historyOption, &o.history))
        return fail(QStringLiteral("--history: expected a positive count, got %1").arg(parser.value(historyOption)));
    // At least one event of the largest size a node lets through, with its envelope.
    if (role == util::Role::Broker
        && !util::readInteger(parser.value(historyBytesOption), kMinHistoryBytes, std::numeric_limits<qint64>::max(), &o.historyBytes))
        return fail(QStringLiteral("--history-bytes: expected a byte count of at least %1, got %2")
                        .arg(kMinHistoryBytes).arg(parser.value(historyBytesOption)));
    if (role == util::Role::Broker
        && !util::readInteger(parser.value(historyTotalOption), o.historyBytes, std::numeric_limits<qint64>::max(), &o.historyTotalBytes))
        return fail(QStringLiteral("--history-total: expected a byte count of at least --history-bytes (%1), got %2")
                        .arg(o.historyBytes).arg(parser.value(historyTotalOption)));
    if (role == util::Role::Broker
        && !util::readInteger(parser.value(maxNodeLagOption), kMinNodeLag, std::numeric_limits<qint64>::max(), &o.maxNodeLag))
        return fail(QStringLiteral("--max-node-lag: expected a byte count of at least %1, got %2")
                        .arg(kMinNodeLag).arg(parser.value(maxNodeLagOption)));
    if (role == util::Role::Broker && !util::readInteger(parser.value(maxChannelsOption), 1, kMaxChannels, &o.maxChannels))
        return fail(QStringLiteral("--max-channels: expected 1 to %1, got %2").arg(kMaxChannels).arg(parser.value(maxChannelsOption)));
    if (role == util::Role::Static) {
        o.root = parser.value(rootOption);
        if (o.root.isEmpty())
            return fail(QStringLiteral("--root: no directory given"));
    }
    if (role != util::Role::Static) {
        if (secret.isEmpty())
            return fail(QStringLiteral("DUPLEX_SECRET is not set: the broker and the nodes need the cluster secret "
                                       "(duplexctl sets it for the processes it starts)"));
        // The secret travels in the bus hello, which the broker reads only up to 4096 bytes.
        if (secret.size() > kMaxSecretBytes)
            return fail(QStringLiteral("DUPLEX_SECRET is %1 bytes long: at most %2").arg(secret.size()).arg(kMaxSecretBytes));
        o.secret = secret;
    }
    return r;
}

} // namespace duplex::app
