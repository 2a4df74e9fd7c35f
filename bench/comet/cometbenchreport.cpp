#include "cometbenchreport.h"

#include "samplestats.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <numeric>

namespace duplex::bench {

namespace {

QString byNode(const QMap<QString, int> &clients)
{
    QStringList parts;
    for (auto it = clients.cbegin(); it != clients.cend(); ++it)
        parts << QStringLiteral("%1 %2").arg(it.key().isEmpty() ? QStringLiteral("(none)") : it.key()).arg(it.value());
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
}

QJsonObject jsonByNode(const QMap<QString, int> &clients)
{
    QJsonObject object;
    for (auto it = clients.cbegin(); it != clients.cend(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

} // namespace

void CometBenchReport::Transport::setLatencies(std::vector<qint32> &samples)
{
    if (samples.empty())
        return;
    latencyMeanMs = double(std::accumulate(samples.cbegin(), samples.cend(), qint64(0))) / double(samples.size()) / 1000.0;
    latencyP50Ms = percentile(samples, 0.50) / 1000.0;
    latencyP99Ms = percentile(samples, 0.99) / 1000.0;
    latencyMaxMs = *std::max_element(samples.cbegin(), samples.cend()) / 1000.0;
}

QString CometBenchReport::toMarkdown() const
{
    QStringList lines;
    lines << QStringLiteral("duplex-bench-comet: 1 WebSocket publisher, a %1-character message every %2 ms for %3 s "
                            "(%4 published in %5 s); %6 WebSocket + %7 Comet nodes behind nginx")
                 .arg(config.size).arg(config.intervalMs).arg(config.durationS).arg(published)
                 .arg(figure(publishSpanS, 2)).arg(config.webSocketNodes).arg(config.cometNodes);
    lines << QStringLiteral("| transport | clients | delivered / expected | lost | dup | out of order "
                            "| latency p50 / p99 / max (ms) | inter-message mean (ms) | spread over clients (ms) "
                            "| jitter in a client (ms) | polls while publishing | polls per message | node CPU per delivered message (us) "
                            "| node RSS per client (KiB) |");
    lines << QStringLiteral("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (const Transport &t : transports) {
        lines << QStringLiteral("| %1 | %2 | %3 / %4 | %5 | %6 | %7 | %8 / %9 / %10 | %11 | %12 | %13 | %14 | %15 | %16 | %17 |")
                     .arg(t.name).arg(t.clients).arg(t.delivered).arg(t.expected).arg(t.lost()).arg(t.duplicates)
                     .arg(t.outOfOrder)
                     .arg(figure(t.latencyP50Ms, 2), figure(t.latencyP99Ms, 2), figure(t.latencyMaxMs, 2),
                          figure(t.interMessageMeanMs, 3), figure(t.interMessageSpreadMs, 3),
                          figure(t.interMessageJitterMs, 2),
                          t.polls < 0 ? QStringLiteral("-") : QString::number(t.polls),
                          t.polls < 0 ? QStringLiteral("-") : figure(t.pollsPerMessage, 3))
                     .arg(figure(t.nodeCpuPerMessageUs, 2), figure(t.nodeRssPerClientKiB, 1));
    }
    for (const Transport &t : transports) {
        QString line = QStringLiteral("%1: clients by node %2; gaps %3, errors %4, unexpected frames %5, "
                                      "disconnected %6, reconnects %7")
                           .arg(t.name, byNode(t.clientsByNode)).arg(t.gaps).arg(t.errors).arg(t.unexpected)
                           .arg(t.disconnected).arg(t.reconnects);
        if (t.redeliveriesDropped >= 0)
            line += QStringLiteral(", repeats dropped by the client %1").arg(t.redeliveriesDropped);
        lines << line;
    }
    lines << QStringLiteral("publish errors %1; bench process CPU while publishing %2% of a core")
                 .arg(publishErrors).arg(figure(benchCpuPercent, 0));
    return lines.join(QLatin1Char('\n'));
}

QByteArray CometBenchReport::toJson() const
{
    QJsonArray rows;
    for (const Transport &t : transports) {
        rows.append(QJsonObject{
            {QStringLiteral("transport"), t.name},
            {QStringLiteral("clients"), t.clients},
            {QStringLiteral("clientsByNode"), jsonByNode(t.clientsByNode)},
            {QStringLiteral("expected"), t.expected},
            {QStringLiteral("delivered"), t.delivered},
            {QStringLiteral("lost"), t.lost()},
            {QStringLiteral("duplicates"), t.duplicates},
            {QStringLiteral("outOfOrder"), t.outOfOrder},
            {QStringLiteral("gaps"), t.gaps},
            {QStringLiteral("errors"), t.errors},
            {QStringLiteral("unexpected"), t.unexpected},
            {QStringLiteral("disconnected"), t.disconnected},
            {QStringLiteral("reconnects"), t.reconnects},
            {QStringLiteral("redeliveriesDropped"), t.redeliveriesDropped < 0 ? QJsonValue() : QJsonValue(t.redeliveriesDropped)},
            {QStringLiteral("latencyMs"), QJsonObject{{QStringLiteral("p50"), jsonFigure(t.latencyP50Ms)},
                                                      {QStringLiteral("p99"), jsonFigure(t.latencyP99Ms)},
                                                      {QStringLiteral("max"), jsonFigure(t.latencyMaxMs)},
                                                      {QStringLiteral("mean"), jsonFigure(t.latencyMeanMs)}}},
            {QStringLiteral("interMessageMs"), QJsonObject{{QStringLiteral("mean"), jsonFigure(t.interMessageMeanMs)},
                                                           {QStringLiteral("spreadOverClients"), jsonFigure(t.interMessageSpreadMs)},
                                                           {QStringLiteral("jitterInClient"), jsonFigure(t.interMessageJitterMs)}}},
            {QStringLiteral("polls"), t.polls < 0 ? QJsonValue() : QJsonValue(t.polls)},
            {QStringLiteral("pollsPerMessage"), jsonFigure(t.pollsPerMessage)},
            {QStringLiteral("nodeCpuPerMessageUs"), jsonFigure(t.nodeCpuPerMessageUs)},
            {QStringLiteral("nodeRssPerClientKiB"), jsonFigure(t.nodeRssPerClientKiB)},
        });
    }
    const QJsonObject object{
        {QStringLiteral("config"), QJsonObject{
             {QStringLiteral("comet"), config.cometSubscribers},
             {QStringLiteral("ws"), config.webSocketSubscribers},
             {QStringLiteral("intervalMs"), config.intervalMs},
             {QStringLiteral("duration"), config.durationS},
             {QStringLiteral("size"), config.size},
             {QStringLiteral("grace"), config.graceS},
             {QStringLiteral("wsNodes"), config.webSocketNodes},
             {QStringLiteral("cometNodes"), config.cometNodes},
             {QStringLiteral("sources"), config.sourceAddresses},
             {QStringLiteral("batch"), config.connectBatch},
             {QStringLiteral("requireComplete"), config.requireComplete},
         }},
        {QStringLiteral("published"), published},
        {QStringLiteral("publishErrors"), publishErrors},
        {QStringLiteral("publishSpanS"), jsonFigure(publishSpanS)},
        {QStringLiteral("benchCpuPercent"), jsonFigure(benchCpuPercent)},
        {QStringLiteral("transports"), rows},
        {QStringLiteral("passed"), passed()},
        {QStringLiteral("failures"), QJsonArray::fromStringList(failures)},
    };
    return QJsonDocument(object).toJson(QJsonDocument::Indented);
}

} // namespace duplex::bench
