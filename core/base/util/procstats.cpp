#include "util/procstats.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QList>

#include <unistd.h>

namespace duplex::util {

namespace {
QByteArray readProc(qint64 pid, const char *entry)
{
    const QString path = pid > 0 ? QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(entry))
                                 : QStringLiteral("/proc/self/%1").arg(QLatin1String(entry));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}
} // namespace

qint64 residentBytes(qint64 pid)
{
    const QList<QByteArray> fields = readProc(pid, "statm").simplified().split(' ');
    if (fields.size() < 2)
        return 0;
    return fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE);
}

ProcStat parseProcStat(const QByteArray &text)
{
    ProcStat stat;
    const qsizetype close = text.lastIndexOf(')');
    if (close < 0)
        return stat;
    // After ')': state, ppid, pgrp, ... utime and stime are the 12th and 13th (fields 14
    // and 15 of proc(5), counted from 1 with pid and comm).
    const QList<QByteArray> fields = text.mid(close + 2).simplified().split(' ');
    if (fields.size() < 13 || fields.at(0).size() != 1)
        return stat;
    bool okParent = false;
    bool okGroup = false;
    bool okUser = false;
    bool okSystem = false;
    stat.state = fields.at(0).at(0);
    stat.parentPid = fields.at(1).toLongLong(&okParent);
    stat.processGroup = fields.at(2).toLongLong(&okGroup);
    stat.cpuTicks = fields.at(11).toLongLong(&okUser) + fields.at(12).toLongLong(&okSystem);
    stat.valid = okParent && okGroup && okUser && okSystem;
    return stat;
}

ProcStat readProcStat(qint64 pid)
{
    return parseProcStat(readProc(pid, "stat"));
}

bool isRunning(qint64 pid)
{
    const ProcStat stat = readProcStat(pid);
    return pid > 0 && stat.valid && stat.state != 'Z' && stat.state != 'X';
}

qint64 cpuTimeMicros(qint64 pid)
{
    const ProcStat stat = readProcStat(pid);
    if (!stat.valid)
        return -1;
    return stat.cpuTicks * 1000000 / sysconf(_SC_CLK_TCK);
}

QList<qint64> childProcesses(qint64 pid)
{
    QList<qint64> out;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool ok = false;
        const qint64 candidate = entry.toLongLong(&ok);
        if (ok && readProcStat(candidate).parentPid == pid)
            out << candidate;
    }
    return out;
}

} // namespace duplex::util
