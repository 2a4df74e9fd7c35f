#include "bench/benchreport.h"

#include "protocol/transport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace duplex::loadgen {

namespace {

QString figure(double value, int decimals)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("n/a");
}

QJsonValue jsonFigure(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}

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
    QStringList lines{title};
    lines << QStringLiteral("| transport | clients | delivered / expected | delivered/s | lost | dup | out of order "
                            "| latency p50 / p99 / max (ms) | inter-message mean (ms) | spread over clients (ms) "
                            "| jitter in a client (ms) | polls while publishing | polls per message "
                            "| node CPU per delivered message (us) | node RSS per client (KiB) |");
    lines << QStringLiteral("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (const Transport &t : transports) {
        const load::TransportSummary &s = t.summary;
        const load::LatencyPercentiles p = load::percentilesOf(s.latency);
        lines << QStringLiteral("| %1 | %2 | %3 / %4 | %5 | %6 | %7 | %8 | %9 / %10 / %11 | %12 | %13 | %14 | %15 | %16 | %17 | %18 |")
                     .arg(protocol::transportLabel(s.transport)).arg(s.clients).arg(s.delivered).arg(s.expected)
                     .arg(figure(s.throughputPerSec, 0)).arg(s.lost).arg(s.duplicated).arg(s.outOfOrder)
                     .arg(figure(p.p50Ms, 2), figure(p.p99Ms, 2), figure(p.maxMs, 2),
                          figure(s.meanInterMessageMs, 3), figure(t.interMessageSpreadMs, 3), figure(t.detail.jitterMs, 2),
                          t.detail.polls < 0 ? QStringLiteral("-") : QString::number(t.detail.polls),
                          t.detail.polls < 0 ? QStringLiteral("-") : figure(pollsPerMessage(t), 3),
                          figure(t.nodeCpuPerDeliveryUs, 2))
                     .arg(figure(t.nodeRssPerClientKiB, 1));
    }
    for (const Transport &t : transports) {
        lines << QStringLiteral("%1: clients by node %2; reconnects %3, errors %4, foreign messages %5")
                     .arg(protocol::transportLabel(t.summary.transport), byNode(t.detail.clientsByNode))
                     .arg(t.summary.reconnects).arg(t.summary.errors).arg(t.detail.foreign);
    }
    lines << QStringLiteral("%1 published in %2 s; bench process CPU while publishing %3% of a core")
                 .arg(published).arg(figure(publishSeconds, 2), figure(benchCpuPercent, 0));
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
            {QStringLiteral("transport"), s.transport},
            {QStringLiteral("clients"), s.clients},
            {QStringLiteral("clientsByNode"), nodes},
            {QStringLiteral("expected"), s.expected},
            {QStringLiteral("delivered"), s.delivered},
            {QStringLiteral("deliveredPerSecond"), jsonFigure(s.throughputPerSec)},
            {QStringLiteral("lost"), s.lost},
            {QStringLiteral("duplicates"), s.duplicated},
            {QStringLiteral("outOfOrder"), s.outOfOrder},
            {QStringLiteral("reconnects"), s.reconnects},
            {QStringLiteral("errors"), s.errors},
            {QStringLiteral("foreign"), t.detail.foreign},
            {QStringLiteral("latencyMs"), QJsonObject{{QStringLiteral("p50"), jsonFigure(p.p50Ms)},
                                                      {QStringLiteral("p99"), jsonFigure(p.p99Ms)},
                                                      {QStringLiteral("max"), jsonFigure(p.maxMs)},
                                                      {QStringLiteral("mean"), jsonFigure(s.latency.isEmpty() ? std::nan("") : s.latency.mean() / 1000.0)}}},
            {QStringLiteral("interMessageMs"), QJsonObject{{QStringLiteral("mean"), jsonFigure(s.meanInterMessageMs)},
                                                           {QStringLiteral("spreadOverClients"), jsonFigure(t.interMessageSpreadMs)},
                                                           {QStringLiteral("jitterInClient"), jsonFigure(t.detail.jitterMs)}}},
            {QStringLiteral("polls"), t.detail.polls < 0 ? QJsonValue() : QJsonValue(t.detail.polls)},
            {QStringLiteral("pollsPerMessage"), jsonFigure(pollsPerMessage(t))},
            {QStringLiteral("nodeCpuPerMessageUs"), jsonFigure(t.nodeCpuPerDeliveryUs)},
            {QStringLiteral("nodeRssPerClientKiB"), jsonFigure(t.nodeRssPerClientKiB)},
        });
    }
    const QJsonObject object{
        {QStringLiteral("title"), title},
        {QStringLiteral("published"), published},
        {QStringLiteral("publishSeconds"), jsonFigure(publishSeconds)},
        {QStringLiteral("benchCpuPercent"), jsonFigure(benchCpuPercent)},
        {QStringLiteral("transports"), rows},
        {QStringLiteral("passed"), passed()},
        {QStringLiteral("failures"), QJsonArray::fromStringList(failures)},
    };
    return QJsonDocument(object).toJson(QJsonDocument::Indented);
}

} // namespace duplex::loadgen
