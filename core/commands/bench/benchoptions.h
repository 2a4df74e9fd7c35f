#pragma once

#include "protocol/transport.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace duplex::bench {

// `duplexctl bench thesis|scale`: the experiments, run against a cluster of their own.
struct BenchConfig
{
    enum class Kind { Thesis, Scale };
    Kind kind = Kind::Thesis;
    QString outDir = QStringLiteral(".");   // thesis.csv, thesis.png, scale.json go here
    QString nginxProgram;                   // empty: nginx on PATH or /usr/sbin/nginx
    // thesis: the 2016 experiment, both transports under the same load
    int clients = 100;                      // per transport
    int iterations = 100;                   // messages
    int size = 16;                          // characters per message
    int intervalMs = 5;                     // between two messages
    // scale: one run per (subscribers, transport)
    QList<int> sizes{100, 1000, 5000};
    QList<protocol::Transport> transports{protocol::Transport::WebSocket, protocol::Transport::Comet};
    double rate = 10;                       // messages per second
    double durationSeconds = 10;
    // Empty, or "nchan": every cell is run again against nchan (core/peer) and compared.
    QString peer;
};

struct BenchParse
{
    enum class Status { Ok, Help, Error };
    Status status = Status::Ok;
    BenchConfig config;
    QString text; // help, or the error in one line
};

// Reads `duplexctl bench <thesis|scale> [options]` (arguments include argv[0] and "bench").
BenchParse parseBenchOptions(const QStringList &arguments);

} // namespace duplex::bench
