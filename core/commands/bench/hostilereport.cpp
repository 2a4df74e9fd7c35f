#include "bench/hostilereport.h"

#include "load/figure.h"
#include "load/table.h"

#include <cmath>

namespace duplex::bench {

namespace {

QString mib(qint64 bytes)
{
    return load::figure(double(bytes) / (1 << 20), 1);
}

QString memoryCell(const HostileReport::Memory &m)
{
    if (m.peak <= 0)
        return QStringLiteral("n/a");
    const qint64 growth = m.peak - m.atStart;
    return QStringLiteral("%1 (+%2)").arg(mib(m.peak), mib(qMax<qint64>(0, growth)));
}

QString ms(qint64 us)
{
    return load::figure(double(us) / 1000.0, 1);
}

QString latencyCell(const HostileReport::Delivery &d)
{
    if (d.latencyUs.isEmpty())
        return QStringLiteral("n/a");
    return QStringLiteral("%1 / %2 / %3").arg(ms(d.latencyUs.percentile(50)), ms(d.latencyUs.percentile(99)), ms(d.latencyUs.max()));
}

double p99(const HostileReport::Delivery &d)
{
    return d.latencyUs.isEmpty() ? std::nan("") : double(d.latencyUs.percentile(99));
}

} // namespace

qint64 HostileReport::Phase::lost() const
{
    return qMax<qint64>(0, sent - webSocketBystander.received) + qMax<qint64>(0, sent - cometBystander.received);
}

QString HostileReport::toMarkdown() const
{
    using Column = load::Table::Column;
    load::Table table({Column{QStringLiteral("attack"), load::Table::Align::Left},
                       Column{QStringLiteral("broker peak MiB (+growth)")},
                       Column{QStringLiteral("ws node peak (+growth)")},
                       Column{QStringLiteral("comet node peak (+growth)")},
                       Column{QStringLiteral("nginx peak (+growth)")},
                       Column{QStringLiteral("ws bystander p50 / p99 / max ms")},
                       Column{QStringLiteral("comet bystander p50 / p99 / max ms")},
                       Column{QStringLiteral("lost (ws + comet) of sent")},
                       Column{QStringLiteral("p99 vs baseline (ws, comet)")},
                       Column{QStringLiteral("the attack"), load::Table::Align::Left}});
    const Phase *baseline = nullptr;
    for (const Phase &p : phases) {
        if (p.attack == QStringLiteral("none"))
            baseline = &p;
    }
    for (const Phase &p : phases) {
        QString ratios = QStringLiteral("n/a");
        if (baseline) {
            ratios = QStringLiteral("%1x, %2x")
                         .arg(load::figure(load::ratio(p99(p.webSocketBystander), p99(baseline->webSocketBystander)), 2),
                              load::figure(load::ratio(p99(p.cometBystander), p99(baseline->cometBystander)), 2));
        }
        table.addRow({p.attack, memoryCell(p.broker), memoryCell(p.webSocket), memoryCell(p.comet), memoryCell(p.nginx),
                      latencyCell(p.webSocketBystander), latencyCell(p.cometBystander),
                      QStringLiteral("%1 + %2 of %3")
                          .arg(qMax<qint64>(0, p.sent - p.webSocketBystander.received))
                          .arg(qMax<qint64>(0, p.sent - p.cometBystander.received))
                          .arg(p.sent),
                      ratios, p.outcome.isEmpty() ? QStringLiteral("-") : p.outcome});
    }
    return title + QStringLiteral("\n\n") + table.toMarkdown() + QLatin1Char('\n');
}

} // namespace duplex::bench
