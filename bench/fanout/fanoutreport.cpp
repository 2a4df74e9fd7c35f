#include "fanoutreport.h"

#include "samplestats.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace duplex::bench {

void FanoutReport::setLatencies(std::vector<qint32> &samples)
{
    if (samples.empty())
        return;
    latencyP50Ms = percentile(samples, 0.50) / 1000.0;
    latencyP99Ms = percentile(samples, 0.99) / 1000.0;
    latencyMaxMs = *std::max_element(samples.begin(), samples.end()) / 1000.0;
}

QString FanoutReport::toMarkdown() const
{
    QStringList lines;
    lines << QStringLiteral("duplex-bench-fanout: %1 subscribers, 1 publisher, %2-byte messages, %3 msg/s for %4 s, "
                            "%5 WebSocket nodes behind nginx")
                 .arg(config.subscribers).arg(config.size).arg(config.rate).arg(config.durationS).arg(config.webSocketNodes);
    lines << QStringLiteral("| metric | value |") << QStringLiteral("|---|---|");
    auto row = [&lines](const QString &metric, const QString &value) {
        lines << QStringLiteral("| %1 | %2 |").arg(metric, value);
    };
    row(QStringLiteral("messages published"), QString::number(published));
    row(QStringLiteral("deliveries expected"), QString::number(expected));
    row(QStringLiteral("delivered"), QString::number(delivered));
    row(QStringLiteral("delivered/s"), figure(deliveredPerSecond, 0));
    row(QStringLiteral("latency p50 / p99 / max (ms)"),
        QStringLiteral("%1 / %2 / %3").arg(figure(latencyP50Ms, 2), figure(latencyP99Ms, 2), figure(latencyMaxMs, 2)));
    row(QStringLiteral("lost / duplicated / out of order"),
        QStringLiteral("%1 / %2 / %3").arg(lost()).arg(duplicates).arg(outOfOrder));
    row(QStringLiteral("gaps / errors / unexpected frames / disconnected"),
        QStringLiteral("%1 / %2 / %3 / %4").arg(gaps).arg(errors).arg(unexpected).arg(disconnected));
    row(QStringLiteral("node RSS per connection (KiB)"), figure(rssPerConnectionKiB, 1));
    row(QStringLiteral("node CPU per delivered message (us)"), figure(cpuPerMessageUs, 2));
    row(QStringLiteral("bench process CPU while publishing (% of a core)"), figure(clientCpuPercent, 0));
    return lines.join(QLatin1Char('\n'));
}

QByteArray FanoutReport::toJsonLine() const
{
    const QJsonObject object{
        {QStringLiteral("subscribers"), config.subscribers},
        {QStringLiteral("publishers"), 1},
        {QStringLiteral("size"), config.size},
        {QStringLiteral("rate"), config.rate},
        {QStringLiteral("duration"), config.durationS},
        {QStringLiteral("wsNodes"), config.webSocketNodes},
        {QStringLiteral("published"), published},
        {QStringLiteral("expected"), expected},
        {QStringLiteral("delivered"), delivered},
        {QStringLiteral("deliveredPerSecond"), deliveredPerSecond},
        {QStringLiteral("latencyMs"), QJsonObject{{QStringLiteral("p50"), jsonFigure(latencyP50Ms)},
                                                  {QStringLiteral("p99"), jsonFigure(latencyP99Ms)},
                                                  {QStringLiteral("max"), jsonFigure(latencyMaxMs)}}},
        {QStringLiteral("lost"), lost()},
        {QStringLiteral("duplicates"), duplicates},
        {QStringLiteral("outOfOrder"), outOfOrder},
        {QStringLiteral("gaps"), gaps},
        {QStringLiteral("errors"), errors},
        {QStringLiteral("unexpected"), unexpected},
        {QStringLiteral("disconnected"), disconnected},
        {QStringLiteral("rssPerConnectionKiB"), jsonFigure(rssPerConnectionKiB)},
        {QStringLiteral("cpuPerMessageUs"), jsonFigure(cpuPerMessageUs)},
        {QStringLiteral("clientCpuPercent"), jsonFigure(clientCpuPercent)},
        {QStringLiteral("passed"), passed()},
        {QStringLiteral("failures"), QJsonArray::fromStringList(failures)},
    };
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace duplex::bench
