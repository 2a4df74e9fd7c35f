#include "metrics/metrics.h"

#include "util/procstats.h"

namespace duplex::metrics {

void Metrics::add(const QByteArray &name, Kind kind, const QByteArray &help, std::function<double()> read)
{
    m_entries.append({name, kind, help, std::move(read)});
}

QByteArray Metrics::render() const
{
    QByteArray out;
    auto write = [&out](const QByteArray &name, Kind kind, const QByteArray &help, double value) {
        out += "# HELP " + name + ' ' + help + '\n';
        out += "# TYPE " + name + (kind == Kind::Counter ? " counter\n" : " gauge\n");
        out += name + ' ' + QByteArray::number(value, 'g', 15) + '\n';
    };
    for (const Entry &e : m_entries)
        write(e.name, e.kind, e.help, e.read());
    write("process_resident_memory_bytes", Kind::Gauge, "Resident memory size in bytes.",
          double(util::residentBytes()));
    write("process_cpu_seconds_total", Kind::Counter, "User and system CPU time spent in seconds.",
          double(util::cpuTimeMicros()) / 1e6);
    return out;
}

QMap<QByteArray, double> Metrics::parse(const QByteArray &text)
{
    QMap<QByteArray, double> values;
    for (const QByteArray &raw : text.split('\n')) {
        const QByteArray line = raw.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const int space = line.lastIndexOf(' ');
        if (space <= 0)
            continue;
        bool ok = false;
        const double value = line.mid(space + 1).toDouble(&ok);
        if (ok)
            values.insert(line.left(space).trimmed(), value);
    }
    return values;
}

} // namespace duplex::metrics
