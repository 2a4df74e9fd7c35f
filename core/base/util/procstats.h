#pragma once

#include <QList>
#include <QtGlobal>

namespace duplex::util {

// What this project reads of /proc/PID/stat.
struct ProcStat
{
    bool valid = false;
    char state = 0;         // R, S, D, T, Z (zombie), X (dead), ...
    qint64 parentPid = 0;
    qint64 processGroup = 0;
    qint64 cpuTicks = 0;    // user plus system time, in clock ticks
};

// Reads the text of /proc/PID/stat; the command name in it may hold spaces and
// parentheses, so the fields are counted after its last ')'.
ProcStat parseProcStat(const QByteArray &text);

// /proc/PID/stat of a process (0 = this process); invalid when it cannot be read.
ProcStat readProcStat(qint64 pid = 0);

// Whether `pid` is a process that still runs: a zombie counts as gone.
bool isRunning(qint64 pid);

// Resident set size of a process in bytes (0 = this process); 0 when it cannot be read.
qint64 residentBytes(qint64 pid = 0);

// User plus system CPU time of a process in microseconds (0 = this process); -1 when
// it cannot be read.
qint64 cpuTimeMicros(qint64 pid = 0);

// The PIDs whose parent is `pid` (nginx's workers under their master, a generator's
// workers), from every process's stat in /proc.
QList<qint64> childProcesses(qint64 pid);

} // namespace duplex::util
