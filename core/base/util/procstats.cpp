#include "util/procstats.h"

#include <QByteArray>
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

qint64 cpuTimeMicros(qint64 pid)
{
    const QByteArray stat = readProc(pid, "stat");
    // The command name in field 2 may hold spaces: count fields after its closing ')'.
    const int close = stat.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = stat.mid(close + 2).simplified().split(' ');
    // After ')': state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
    if (fields.size() < 13)
        return -1;
    const qint64 ticks = fields.at(11).toLongLong() + fields.at(12).toLongLong();
    return ticks * 1000000 / sysconf(_SC_CLK_TCK);
}

QList<qint64> childProcesses(qint64 pid)
{
    QList<qint64> out;
    // The kernel keeps each thread's direct children in /proc/PID/task/TID/children.
    QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(pid));
    if (children.open(QIODevice::ReadOnly)) {
        for (const QByteArray &field : children.readAll().simplified().split(' ')) {
            bool ok = false;
            const qint64 child = field.toLongLong(&ok);
            if (ok)
                out << child;
        }
    }
    return out;
}

} // namespace duplex::util
