#pragma once

#include "load/latencyhistogram.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace duplex::bench {

// What the hostile bench measured: one row per phase (the baseline and each attack), and
// how it prints: a Markdown table (load::Table) with the bystander's p99 against the
// baseline's (load::ratio).
struct HostileReport
{
    // Resident memory of one role's processes (summed), in bytes; 0 when unread.
    struct Memory
    {
        qint64 atStart = 0;
        qint64 peak = 0;
    };

    struct Delivery
    {
        qint64 received = 0;
        load::LatencyHistogram latencyUs;
    };

    struct Phase
    {
        QString attack;
        QString outcome; // what the attack achieved
        Memory broker;
        Memory webSocket;
        Memory comet;
        Memory nginx; // master and workers
        qint64 sent = 0; // bystander messages published in the phase
        Delivery webSocketBystander;
        Delivery cometBystander;
        qint64 bystanderReconnects = 0;

        qint64 lost() const;
    };

    QString title;
    QList<Phase> phases;
    QStringList failures; // lost messages, processes that died; empty when it passed

    QString toMarkdown() const;
};

} // namespace duplex::bench
