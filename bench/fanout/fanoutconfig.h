#pragma once

#include <QtGlobal>

namespace duplex::bench {

// One run of duplex-bench-fanout, as the command line asked for it.
struct FanoutConfig
{
    int subscribers = 1000;
    int rate = 100;        // messages published per second
    int durationS = 20;    // seconds of publishing
    int size = 16;         // characters of `data` per message
    int webSocketNodes = 2;
    bool json = false;     // also print the results as one JSON line

    qint64 messageCount() const { return qint64(rate) * durationS; }
};

} // namespace duplex::bench
