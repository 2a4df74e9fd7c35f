#pragma once

#include <QList>
#include <QtGlobal>

namespace duplex::util {

// Resident set size of a process in bytes (0 = this process); 0 when it cannot be read.
qint64 residentBytes(qint64 pid = 0);

// User plus system CPU time of a process in microseconds (0 = this process); -1 when
// it cannot be read.
qint64 cpuTimeMicros(qint64 pid = 0);

// The PIDs whose parent is `pid` (nginx's workers under their master), from /proc.
QList<qint64> childProcesses(qint64 pid);

} // namespace duplex::util
