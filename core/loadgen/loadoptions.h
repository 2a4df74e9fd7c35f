#pragma once

#include <QString>
#include <QStringList>

namespace duplex::loadgen {

// What one run of duplex-loadgen does; every field is a command-line option.
struct LoadOptions
{
    QStringList transports{QStringLiteral("ws")}; // "ws" and/or "comet", each with `clients`
    int clients = 100;          // subscribers per transport
    int publishers = 1;
    double rate = 100;          // messages per second, all publishers together
    int size = 16;              // characters per message
    qint64 messages = 0;        // stop after this many (0: use duration)
    double durationSeconds = 10; // when messages == 0
    QString channel = QStringLiteral("loadgen");
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8080;
    bool spreadSources = false; // Comet clients bind 127.0.N.1 so ip_hash spreads them
    double rampPerSecond = 500; // client connects per second
    int intervalMs = 500;       // one JSON line per interval
    QString csvPath;            // per-iteration rows, empty: none
    double graceSeconds = 5;    // wait for stragglers after the last publish
    int connectTimeoutSeconds = 30;
};

struct LoadOptionsParse
{
    enum class Status { Ok, Help, Error };
    Status status = Status::Ok;
    LoadOptions options;
    QString text; // help, or the error in one line
};

// Parses duplex-loadgen's command line (arguments include argv[0]).
LoadOptionsParse parseLoadOptions(const QStringList &arguments);

} // namespace duplex::loadgen
