#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace duplex::bench {

// The attacks of the hostile bench (issue 13's catalogue, tests/integration/tst_hostile.cpp
// as benchmarks), in the order they run; None is the baseline.
enum class HostileAttack { None, SlowReaders, PingFlood, Malformed, ManyChannels, ManyClientIds, Resume };

// Every attack, in order.
QList<HostileAttack> allHostileAttacks();
// The name on the command line and in the table: none, slow-readers, ping-flood, malformed,
// many-channels, many-clientids, resume.
QString hostileAttackName(HostileAttack attack);
// What it does, in a few words, for --help.
QString hostileAttackSummary(HostileAttack attack);

struct HostileBenchConfig
{
    // Past the nodes' default --max-lag (10 s), so a reader that stopped is closed within it.
    int phaseSeconds = 15;
    int bystanderRate = 200; // publishes per second on the bystander channel
    QList<HostileAttack> attacks = allHostileAttacks();
    QString nginxProgram; // empty: nginx on PATH or /usr/sbin/nginx
    QString binDir;       // where the duplex-* servers are; empty: beside this program
};

struct HostileBenchParse
{
    enum class Status { Ok, Help, Error };
    Status status = Status::Ok;
    HostileBenchConfig config;
    QString text; // help, or the error in one line
};

// Reads duplex-bench-hostile's command line (arguments include argv[0]).
HostileBenchParse parseHostileBenchOptions(const QStringList &arguments);

} // namespace duplex::bench
