#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

#include <functional>

namespace duplex::metrics {

// A set of named live values rendered in the Prometheus text format. Each value is read
// by a function at render time, so the owner keeps its plain counters and nothing is
// copied on the hot path.
class Metrics final
{
public:
    enum class Kind { Counter, Gauge };

    void add(const QByteArray &name, Kind kind, const QByteArray &help, std::function<double()> read);

    // Every registered value plus the process's resident memory.
    QByteArray render() const;

    // Reads a Prometheus text page into name -> value (labels are kept in the name).
    static QMap<QByteArray, double> parse(const QByteArray &text);

private:
    struct Entry
    {
        QByteArray name;
        Kind kind;
        QByteArray help;
        std::function<double()> read;
    };
    QList<Entry> m_entries;
};

} // namespace duplex::metrics
