#pragma once

#include <QString>

namespace duplex::bench {

// One run of duplex-bench-comet, as the command line asked for it. The defaults are the
// run the thesis charted: 100 + 100 subscribers, a 16-character message every 10 ms.
struct CometBenchConfig
{
    int cometSubscribers = 100;
    int webSocketSubscribers = 100;
    int intervalMs = 10;       // between two publishes
    int durationS = 20;        // seconds of publishing
    int size = 16;             // characters of `data` per message (see timedpayload.h)
    int graceS = 5;            // wait for the last deliveries after the last publish
    int webSocketNodes = 2;
    int cometNodes = 2;
    int sourceAddresses = 8;   // Comet subscriber i binds 127.0.(i % n + 1).1
    int connectBatch = 50;     // subscribers opened at once during the ramp
    bool requireComplete = false; // a lost or duplicated delivery fails the run
    QString jsonFile;          // empty: no JSON

    qint64 messageCount() const { return qint64(durationS) * 1000 / intervalMs; }
    int subscribers() const { return cometSubscribers + webSocketSubscribers; }
};

} // namespace duplex::bench
