#pragma once

#include "fanoutconfig.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace duplex::bench {

// What one run measured, and how it prints: a Markdown table and one JSON line.
struct FanoutReport
{
    FanoutConfig config;
    qint64 published = 0;
    qint64 expected = 0;          // published x subscribers
    qint64 delivered = 0;         // distinct messages received, summed over subscribers
    qint64 duplicates = 0;
    qint64 outOfOrder = 0;
    qint64 gaps = 0;
    qint64 errors = 0;            // error events to subscribers and publisher
    qint64 unexpected = 0;
    int disconnected = 0;         // subscribers that lost their connection
    double deliveredPerSecond = 0;
    double latencyP50Ms = -1;     // -1: no message arrived
    double latencyP99Ms = -1;
    double latencyMaxMs = -1;
    double rssPerConnectionKiB = -1; // -1: not measured
    double cpuPerMessageUs = -1;
    double clientCpuPercent = -1; // the bench process itself, over the publish phase
    QStringList failures;         // why the run does not pass; empty when it does

    qint64 lost() const { return expected - delivered; }
    bool passed() const { return failures.isEmpty(); }

    // Fills the three latency figures; reorders `samples`.
    void setLatencies(std::vector<qint32> &samples);
    QString toMarkdown() const;
    QByteArray toJsonLine() const;
};

} // namespace duplex::bench
