#pragma once

#include "cometbenchconfig.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <vector>

namespace duplex::bench {

// What one run of duplex-bench-comet measured, one Transport per subscriber kind, and
// how it prints: a Markdown table (one row per transport) and a JSON document.
// Negative figures mean "not measured" and print as n/a / null.
struct CometBenchReport
{
    struct Transport
    {
        QString name;                 // "Comet", "WebSocket"
        int clients = 0;
        QMap<QString, int> clientsByNode; // from the welcomes
        qint64 expected = 0;          // published x clients
        qint64 delivered = 0;         // distinct messages received, summed over clients
        qint64 duplicates = 0;
        qint64 outOfOrder = 0;
        qint64 gaps = 0;
        qint64 errors = 0;
        qint64 unexpected = 0;
        int disconnected = 0;         // clients whose subscription ended during the run
        qint64 reconnects = 0;
        qint64 redeliveriesDropped = -1; // Comet: repeats the client dropped by seq
        double latencyP50Ms = -1;
        double latencyP99Ms = -1;
        double latencyMaxMs = -1;
        double latencyMeanMs = -1;
        // The thesis's figure: each client's mean time between consecutive received
        // messages, averaged over the clients; its standard deviation over the clients;
        // and the mean of each client's own standard deviation (jitter, which shows
        // batching that the mean hides).
        double interMessageMeanMs = -1;
        double interMessageSpreadMs = -1;
        double interMessageJitterMs = -1;
        qint64 polls = -1;            // completed polls while publishing; -1: not polling
        double pollsPerMessage = -1;
        double nodeCpuPerMessageUs = -1; // this transport's nodes, while publishing
        double nodeRssPerClientKiB = -1; // this transport's nodes, growth over the ramp

        qint64 lost() const { return expected - delivered; }
        // Fills the latency figures; reorders `samples`.
        void setLatencies(std::vector<qint32> &samples);
    };

    CometBenchConfig config;
    qint64 published = 0;
    qint64 publishErrors = 0;
    double publishSpanS = -1;      // first to last send, to show the publisher kept pace
    double benchCpuPercent = -1;   // this process, all clients, while publishing
    std::vector<Transport> transports;
    QStringList failures;          // why the run does not pass; empty when it does

    bool passed() const { return failures.isEmpty(); }
    QString toMarkdown() const;
    QByteArray toJson() const;
};

} // namespace duplex::bench
