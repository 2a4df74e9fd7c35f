#include "bench/benchreport.h"

#include "load/figure.h"
#include "load/table.h"
#include "protocol/transport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace duplex::bench {

namespace {

double pollsPerMessage(const BenchReport::Transport &t)
{
    return t.detail.polls >= 0 && t.summary.delivered > 0 ? double(t.detail.polls) / double(t.summary.delivered)
                                                          : std::nan("");
}

QString byNode(const QMap<QString, int> &clients)
{
    QStringList parts;
    for (auto it = clients.cbegin(); it != clients.cend(); ++it)
        parts << QStringLiteral("%1 %2").arg(it.key().isEmpty() ? QStringLiteral("(none)") : it.key()).arg(it.value());
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
}

} // namespace

QString BenchReport::toMarkdown() const
{
    using A = load::Table::Align;
    load::Table table({{QStringLiteral("transport"), A::Left}, {QStringLiteral("clients")}, {QStringLiteral("delivered / expected")},
                 {QStringLiteral("delivered/s")}, {QStringLiteral("lost")}, {QStringLiteral("dup")}, {QStringLiteral("out of order")},
                 {QStringLiteral("latency p50 / p99 / max (ms)")}, {QStringLiteral("inter-message mean (ms)")},
                 {QStringLiteral("spread over clients (ms)")}, {QStringLiteral("jitter in a client (ms)")},
                 {QStringLiteral("polls while publishing")}, {QStringLiteral("polls per message")},
                 {QStringLiteral("node CPU per delivered message (us)")}, {QStringLiteral("node RSS per client (KiB)")}});
    for (const Transport &t : transports) {
        const load::TransportSummary &s = t.summary;
        const load::LatencyPercentiles p = load::percentilesOf(s.latency);
        table.addRow({protocol::transportLabel(s.transport), QString::number(s.clients),
                      QStringLiteral("%1 / %2").arg(s.delivered).arg(s.expected), load::figure(s.throughputPerSec, 0),
                      QString::number(s.lost), QString::number(s.duplicated), QString::number(s.outOfOrder),
                      QStringLiteral("%1 / %2 / %3").arg(load::figure(p.p50Ms, 2), load::figure(p.p99Ms, 2), load::figure(p.maxMs, 2)),
                      load::figure(s.meanInterMessageMs, 3), load::figure(t.interMessageSpreadMs, 3), load::figure(t.detail.jitterMs, 2),
                      t.detail.polls < 0 ? QStringLiteral("-") : QString::number(t.detail.polls),
                      t.detail.polls < 0 ? QStringLiteral("-") : load::figure(pollsPerMessage(t), 3),
                      load::figure(t.nodeCpuPerDeliveryUs, 2), load::figure(t.nodeRssPerClientKiB, 1)});
    }
    // Blank lines around the table: Markdown renders it as a table only apart from the text.
    QStringList lines{title, QString(), table.toMarkdown(), QString()};
    for (const Transport &t : transports) {
        lines << QStringLiteral("%1: clients by node %2; reconnects %3, errors %4, foreign messages %5")
                     .arg(protocol::transportLabel(t.summary.transport), byNode(t.detail.clientsByNode))
                     .arg(t.summary.reconnects).arg(t.summary.errors).arg(t.detail.foreign);
    }
    lines << QStringLiteral("%1 published in %2 s; server CPU per delivered message %3 us; bench process CPU while publishing %4% of a core")
                 .arg(published).arg(load::figure(publishSeconds, 2), load::figure(serverCpuPerDeliveryUs, 2), load::figure(benchCpuPercent, 0));
    return lines.join(QLatin1Char('\n'));
}

QByteArray BenchReport::toJson() const
{
    QJsonArray rows;
    for (const Transport &t : transports) {
        const load::TransportSummary &s = t.summary;
        const load::LatencyPercentiles p = load::percentilesOf(s.latency);
        QJsonObject nodes;
        for (auto it = t.detail.clientsByNode.cbegin(); it != t.detail.clientsByNode.cend(); ++it)
            nodes.insert(it.key(), it.value());
        rows.append(QJsonObject{
            {QStringLiteral("transport"), protocol::transportName(s.transport)},
            {QStringLiteral("clients"), s.clients},
            {QStringLiteral("clientsByNode"), nodes},
            {QStringLiteral("expected"), s.expected},
            {QStringLiteral("delivered"), s.delivered},
            {QStringLiteral("deliveredPerSecond"), load::jsonFigure(s.throughputPerSec)},
            {QStringLiteral("lost"), s.lost},
            {QStringLiteral("duplicates"), s.duplicated},
            {QStringLiteral("outOfOrder"), s.outOfOrder},
            {QStringLiteral("reconnects"), s.reconnects},
            {QStringLiteral("errors"), s.errors},
            {QStringLiteral("foreign"), t.detail.foreign},
            {QStringLiteral("latencyMs"), QJsonObject{{QStringLiteral("p50"), load::jsonFigure(p.p50Ms)},
                                                      {QStringLiteral("p99"), load::jsonFigure(p.p99Ms)},
                                                      {QStringLiteral("max"), load::jsonFigure(p.maxMs)},
                                                      {QStringLiteral("mean"), load::jsonFigure(s.latency.isEmpty() ? std::nan("") : s.latency.mean() / 1000.0)}}},
            {QStringLiteral("interMessageMs"), QJsonObject{{QStringLiteral("mean"), load::jsonFigure(s.meanInterMessageMs)},
                                                           {QStringLiteral("spreadOverClients"), load::jsonFigure(t.interMessageSpreadMs)},
                                                           {QStringLiteral("jitterInClient"), load::jsonFigure(t.detail.jitterMs)}}},
            {QStringLiteral("polls"), t.detail.polls < 0 ? QJsonValue() : QJsonValue(t.detail.polls)},
            {QStringLiteral("pollsPerMessage"), load::jsonFigure(pollsPerMessage(t))},
            {QStringLiteral("nodeCpuPerMessageUs"), load::jsonFigure(t.nodeCpuPerDeliveryUs)},
            {QStringLiteral("nodeRssPerClientKiB"), load::jsonFigure(t.nodeRssPerClientKiB)},
        });
    }
    const QJsonObject object{
        {QStringLiteral("title"), title},
        {QStringLiteral("published"), published},
        {QStringLiteral("publishSeconds"), load::jsonFigure(publishSeconds)},
        {QStringLiteral("serverCpuPerMessageUs"), load::jsonFigure(serverCpuPerDeliveryUs)},
        {QStringLiteral("benchCpuPercent"), load::jsonFigure(benchCpuPercent)},
        {QStringLiteral("transports"), rows},
        {QStringLiteral("passed"), passed()},
        {QStringLiteral("failures"), QJsonArray::fromStringList(failures)},
    };
    return QJsonDocument(object).toJson(QJsonDocument::Indented);
}

} // namespace duplex::bench
