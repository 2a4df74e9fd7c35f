#pragma once

#include "protocol/transport.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace duplex::loadgen {

// What one run of duplex-loadgen does; every field is a command-line option.
struct LoadOptions
{
    // What the subscribers and publishers speak: Duplex's contract, or nchan's pub/sub
    // endpoints (core/peer/nchanconfig.h), the benchmark's yardstick.
    enum class Protocol { Duplex, Nchan };
    Protocol protocol = Protocol::Duplex;
    QList<protocol::Transport> transports{protocol::Transport::WebSocket}; // each with `clients`
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
    bool presence = true;       // false: subscribers ask for messages only (presence=0)
    bool histograms = false;    // interval lines carry each transport's latency histogram
    double rampPerSecond = 500; // client connects per second
    int intervalMs = 500;       // one JSON line per interval
    QString csvPath;            // per-iteration rows, empty: none
    double graceSeconds = 5;    // wait for stragglers after the last publish
    int connectTimeoutSeconds = 30;
    // Processes for the subscribers: above 1, worker processes hold them and this one
    // publishes and merges (loadgen/workergroup.h).
    int procs = 1;
    // Internal (--worker i/K): this process is worker `worker` of `procs`, holding the
    // clients with index = worker (mod procs) and talking to its parent on stdin/stdout
    // (loadgen/workerprotocol.h); -1 for the process a person starts.
    int worker = -1;
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

// The command line (without argv[0]) of worker `worker` of `workers`: what a worker needs
// of `options` (the subscribers' side: protocol, transports, clients, publishers, channel, URL,
// sources, ramp) and never what would make it write files (--csv).
QStringList workerArguments(const LoadOptions &options, int worker, int workers);

// The command line (without argv[0]) that parseLoadOptions() reads back as `options`, every
// field (the control panel starts duplex-loadgen with it); options equal to their defaults
// are left out where the default is the only way to say them (messages 0, worker -1).
QStringList loadArguments(const LoadOptions &options);

} // namespace duplex::loadgen
