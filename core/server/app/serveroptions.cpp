#include "app/serveroptions.h"

#include "protocol/codec.h"
#include "util/optionvalue.h"
#include "util/role.h"

#include <QCommandLineParser>

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

namespace duplex::app {

using namespace Qt::StringLiterals;

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
// --dedupe-bytes at least: some 7000 ids, a few seconds of a busy cluster's publishes.
constexpr qint64 kMinDedupeBytes = 1024 * 1024;
// --channel-idle at most: a day.
constexpr double kMaxChannelIdleSeconds = 86400;

constexpr int kMaxInt = std::numeric_limits<int>::max();
constexpr qint64 kMaxInt64 = std::numeric_limits<qint64>::max();

// The roles that take an option, a bit each.
constexpr unsigned roleBit(util::Role role) { return 1u << unsigned(role); }
constexpr unsigned kBroker = roleBit(util::Role::Broker);
constexpr unsigned kWebSocket = roleBit(util::Role::WebSocket);
constexpr unsigned kComet = roleBit(util::Role::Comet);
constexpr unsigned kNodes = kWebSocket | kComet;
constexpr unsigned kStatic = roleBit(util::Role::Static);
constexpr unsigned kEveryServer = kBroker | kNodes | kStatic;

// Reads the value given for `flag` (`--` and the option's name) into the options; returns
// the one-line error, empty when the value is taken. Options are read in the table's order,
// so a bound may be the value of an option above.
using Reader = std::function<QString(const QString &flag, const QString &text, ServerOptions &o)>;

struct OptionRow
{
    QString name;
    QString valueName;
    std::optional<QString> defaultValue; // none: the option must be given
    unsigned roles;
    Reader read;
    QString help;
};

// A value from `low` to `high`, kept times `scale` (a unit conversion); `what` words the
// range in the error. A double V is finite too: "nan" and "inf" read as numbers, and a NaN
// limit would let everything by.
template<typename T, typename V>
Reader inRange(T ServerOptions::*field, V low, V high, const QString &what, V scale = 1)
{
    return [=](const QString &flag, const QString &text, ServerOptions &o) {
        V value = 0;
        bool ok = false;
        if constexpr (std::is_floating_point_v<V>)
            ok = util::readNumber(text, low, high, &value);
        else
            ok = util::readInteger(text, low, high, &value);
        if (!ok)
            return u"%1: expected %2, got %3"_s.arg(flag, what, text);
        o.*field = T(value * scale);
        return QString();
    };
}

Reader between(int low, int high, int ServerOptions::*field)
{
    return inRange(field, low, high, u"%1 to %2"_s.arg(low).arg(high));
}

Reader bytesAtLeast(qint64 low, qint64 ServerOptions::*field)
{
    return inRange(field, low, kMaxInt64, u"a byte count of at least %1"_s.arg(low));
}

// At least the value of the option `lowFlag`, which is read first.
Reader bytesAtLeast(const QString &lowFlag, qint64 ServerOptions::*low, qint64 ServerOptions::*field)
{
    return [=](const QString &flag, const QString &text, ServerOptions &o) {
        const QString what = u"a byte count of at least %1 (%2)"_s.arg(lowFlag).arg(o.*low);
        return inRange(field, o.*low, kMaxInt64, what)(flag, text, o);
    };
}

// Text that `take` accepts into the options; else the error `problem` (%1: the option)
// followed by the text.
Reader checked(bool (*take)(const QString &text, ServerOptions &o), const QString &problem)
{
    return [=](const QString &flag, const QString &text, ServerOptions &o) {
        return take(text, o) ? QString() : problem.arg(flag) + text;
    };
}

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

// Every option of the server binaries, in the order --help lists them and they are read.
std::vector<OptionRow> optionTable(util::Role role, const QString &defaultRoot)
{
    using O = ServerOptions;
    return {
        {u"host"_s, u"address"_s, u"127.0.0.1"_s, kEveryServer,
         checked([](const QString &text, O &o) { return o.host.setAddress(text); }, u"%1: not an IP address: "_s),
         u"Address to listen on (default 127.0.0.1)."_s},
        {u"port"_s, u"port"_s, u"0"_s, kEveryServer,
         checked([](const QString &text, O &o) { return parsePort(text, &o.port); }, u"%1: not a port number: "_s),
         u"Port to listen on; 0 picks a free one (default 0)."_s},
        {u"admin-port"_s, u"port"_s, u"0"_s, kEveryServer,
         checked([](const QString &text, O &o) { return parsePort(text, &o.adminPort); }, u"%1: not a port number: "_s),
         u"Port of /healthz and /metrics on the same address; 0 picks a free one (default 0)."_s},
        {u"name"_s, u"name"_s, util::roleName(role), kEveryServer,
         checked([](const QString &text, O &o) { o.name = text; return protocol::isValidClientId(text); },
                 u"%1 must match [A-Za-z0-9_.-]{1,64}: "_s),
         u"Name of this process in logs and welcome.node (default: the role)."_s},
        // The nodes.
        {u"broker"_s, u"host:port"_s, std::nullopt, kNodes,
         checked([](const QString &text, O &o) { return parseHostPort(text, &o.brokerHost, &o.brokerPort); },
                 u"%1: expected host:port, got "_s),
         u"Broker address, host:port (required)."_s},
        {u"buffer"_s, u"count"_s, u"1000"_s, kNodes, inRange(&O::buffer, 1, kMaxInt, u"a positive count"_s),
         u"Events kept per channel on this node; older ones come from the broker (default 1000)."_s},
        {u"buffer-bytes"_s, u"bytes"_s, QString::number(8LL << 20), kNodes, bytesAtLeast(kMinHistoryBytes, &O::bufferBytes),
         u"Bytes of events kept per channel on this node (at least 1 MiB, default 8 MiB)."_s},
        {u"buffer-total"_s, u"bytes"_s, QString::number(256LL << 20), kNodes,
         bytesAtLeast(u"--buffer-bytes"_s, &O::bufferBytes, &O::bufferTotalBytes),
         u"Bytes of events kept over all channels on this node; past it the oldest go first (at least\n"
         "--buffer-bytes, default 256 MiB)."_s},
        {u"channel-idle"_s, u"seconds"_s, u"300"_s, kNodes,
         inRange(&O::channelIdleMs, 0.1, kMaxChannelIdleSeconds, u"0.1 to %1 seconds"_s.arg(kMaxChannelIdleSeconds), 1000.0),
         u"Seconds a channel with no client on this node and no event is kept; then the node forgets\n"
         "it and asks the broker for its head when a client comes (0.1 to %1, default 300)."_s.arg(kMaxChannelIdleSeconds)},
        {u"max-message"_s, u"bytes"_s, u"65536"_s, kNodes, inRange(&O::maxMessageBytes, 1, kMaxInt, u"a positive byte count"_s),
         u"Largest client message in bytes; larger ones are refused (default 65536)."_s},
        {u"rate-limit"_s, u"per-second"_s, u"1000"_s, kNodes,
         inRange(&O::rateLimit, 0.0, kMaxRateLimit, u"a number from 0 to %1"_s.arg(kMaxRateLimit)),
         u"Publishes per second allowed per client, bursts of twice that; 0 = no limit (default 1000)."_s},
        {u"max-connections"_s, u"count"_s, u"10000"_s, kNodes, between(1, kMaxConnections, &O::maxConnections),
         u"Clients this node holds at most (WebSocket connections, or Comet clients known); more are\n"
         "refused with `unavailable` (default 10000)."_s},
        {u"presence-limit"_s, u"count"_s, u"1000"_s, kNodes, between(0, kMaxConnections, &O::presenceLimit),
         u"Members of one channel on this node past which join and leave are no longer sent to them\n"
         "(welcome says \"presence\":false); 0 sends them to nobody (default 1000)."_s},
        // The WebSocket node.
        {u"max-per-address"_s, u"count"_s, u"1000"_s, kWebSocket, between(1, kMaxConnections, &O::maxPerAddress),
         u"Connections from one source address (X-Real-IP behind nginx) at most; loopback clients are\n"
         "not limited (default 1000)."_s},
        {u"max-lag"_s, u"seconds"_s, u"10"_s, kWebSocket, inRange(&O::maxLagMs, 0.1, 3600.0, u"0.1 to 3600 seconds"_s, 1000.0),
         u"Seconds a client may fall behind (the age of the oldest byte queued for it) before it is\n"
         "closed with error too_slow and 1008; it can resume with since (0.1 to 3600, default 10)."_s},
        {u"max-backlog"_s, u"bytes"_s, QString::number(64LL << 20), kWebSocket, bytesAtLeast(kMinBacklogBytes, &O::maxBacklogBytes),
         u"Bytes queued unsent to one client past which it is closed at once (at least 1 MiB,\n"
         "default 64 MiB)."_s},
        {u"max-outbound"_s, u"bytes"_s, QString::number(256LL << 20), kWebSocket,
         bytesAtLeast(u"--max-backlog"_s, &O::maxBacklogBytes, &O::maxOutboundBytes),
         u"Bytes queued unsent to all clients together past which the largest backlogs are closed\n"
         "(at least --max-backlog, default 256 MiB)."_s},
        // The Comet node.
        {u"hold"_s, u"seconds"_s, u"25"_s, kComet, inRange(&O::holdSeconds, 1, 3600, u"1 to 3600 seconds"_s),
         u"Seconds a poll is held before it is answered with [] (1 to 3600, default 25)."_s},
        {u"new-sessions"_s, u"per-second"_s, u"20"_s, kComet,
         inRange(&O::newSessionRate, 0.1, kMaxRateLimit, u"a number from 0.1 to %1"_s.arg(kMaxRateLimit)),
         u"New Comet clients per second from one source address (X-Real-IP behind nginx), bursts of\n"
         "twice that; more polls with unknown clientIds get 429 (default 20)."_s},
        // The broker.
        {u"history"_s, u"count"_s, u"10000"_s, kBroker, inRange(&O::history, 1, kMaxInt, u"a positive count"_s),
         u"Events kept per channel for resume (default 10000)."_s},
        {u"history-bytes"_s, u"bytes"_s, QString::number(64 << 20), kBroker, bytesAtLeast(kMinHistoryBytes, &O::historyBytes),
         u"Bytes of events (their JSON) kept per channel for resume; the oldest go first (default 64 MiB)."_s},
        {u"history-total"_s, u"bytes"_s, QString::number(256LL << 20), kBroker,
         bytesAtLeast(u"--history-bytes"_s, &O::historyBytes, &O::historyTotalBytes),
         u"Bytes of events kept over all channels; past it the oldest events of any channel go first\n"
         "(at least --history-bytes, default 256 MiB)."_s},
        {u"max-node-lag"_s, u"bytes"_s, QString::number(64 << 20), kBroker, bytesAtLeast(kMinNodeLag, &O::maxNodeLag),
         u"Bytes written to one node and not yet read by it, at most; past that the node is "
         "dropped and catches up from history when it reconnects (at least 1 MiB, default 64 MiB)."_s},
        {u"max-channels"_s, u"count"_s, u"100000"_s, kBroker, between(1, kMaxChannels, &O::maxChannels),
         u"Channels numbered at most; past it a publish to a new channel is refused with `unavailable`.\n"
         "A channel keeps its head for good once numbered (1 to %1, default 100000)."_s.arg(kMaxChannels)},
        {u"dedupe-bytes"_s, u"bytes"_s, QString::number(64LL << 20), kBroker, bytesAtLeast(kMinDedupeBytes, &O::dedupeBytes),
         u"Bytes of publish ids remembered for 5 minutes, so that a retry with the same id is answered\n"
         "with the first seq (about 150 bytes an id; at least 1 MiB, default 64 MiB)."_s},
        // The static node.
        {u"root"_s, u"dir"_s, defaultRoot, kStatic,
         checked([](const QString &text, O &o) { o.root = text; return !text.isEmpty(); }, u"%1: no directory given"_s),
         u"Directory to serve (default: %1)."_s.arg(defaultRoot)},
    };
}

} // namespace

ServerOptionsParse parseServerOptions(util::Role role, const QStringList &arguments,
                                      const QByteArray &secret, const QString &defaultRoot)
{
    ServerOptionsParse r;
    auto fail = [&r](const QString &message) {
        r.status = ServerOptionsParse::Status::Error;
        r.text = message;
        return r;
    };
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
        return fail(QStringLiteral("nginx is not a Duplex server binary"));
    }
    parser.addHelpOption();
    std::vector<OptionRow> rows = optionTable(role, defaultRoot);
    // The options of other roles stay out of the parser, which refuses them as unknown.
    const auto otherRoles = [role](const OptionRow &row) { return !(row.roles & roleBit(role)); };
    rows.erase(std::remove_if(rows.begin(), rows.end(), otherRoles), rows.end());
    for (const OptionRow &row : rows)
        parser.addOption(QCommandLineOption(row.name, row.help, row.valueName, row.defaultValue.value_or(QString())));

    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        r.status = ServerOptionsParse::Status::Help;
        r.text = parser.helpText();
        return r;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first()));
    for (const OptionRow &row : rows) {
        if (!row.defaultValue && !parser.isSet(row.name))
            return fail(u"--%1 %2 is required"_s.arg(row.name, row.valueName));
        if (const QString error = row.read(u"--"_s + row.name, parser.value(row.name), r.options); !error.isEmpty())
            return fail(error);
    }
    if (role != util::Role::Static) {
        if (secret.isEmpty())
            return fail(QStringLiteral("DUPLEX_SECRET is not set: the broker and the nodes need the cluster secret "
                                       "(duplexctl sets it for the processes it starts)"));
        // The secret travels in the bus hello, which the broker reads only up to 4096 bytes.
        if (secret.size() > kMaxSecretBytes)
            return fail(QStringLiteral("DUPLEX_SECRET is %1 bytes long: at most %2").arg(secret.size()).arg(kMaxSecretBytes));
        r.options.secret = secret;
    }
    return r;
}

} // namespace duplex::app
