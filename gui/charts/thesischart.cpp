#include "charts/thesischart.h"

#include "charts/transportcolour.h"
#include "protocol/transport.h"

#include <QChart>
#include <QChartView>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QPixmap>
#include <QValueAxis>

#include <cmath>

namespace duplex::gui {

namespace {

// Axis maximum with some headroom, rounded to a readable step.
double niceMax(double value)
{
    if (!(value > 0))
        return 1;
    const double padded = value * 1.15;
    const double magnitude = std::pow(10.0, std::floor(std::log10(padded)));
    for (const double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (padded <= step * magnitude)
            return step * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

QChart *ThesisChart::build(const Series &series, const QString &title)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    auto *x = new QValueAxis;
    x->setTitleText(QStringLiteral("iteration (message number)"));
    x->setLabelFormat(QStringLiteral("%d"));
    auto *gapAxis = new QValueAxis;
    gapAxis->setTitleText(QStringLiteral("mean time between messages, ms (solid)"));
    auto *latencyAxis = new QValueAxis;
    latencyAxis->setTitleText(QStringLiteral("mean end-to-end latency, ms (dashed)"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(gapAxis, Qt::AlignLeft);
    chart->addAxis(latencyAxis, Qt::AlignRight);

    double maxIteration = 1;
    double maxGap = 0;
    double maxLatency = 0;
    for (const auto &[transport, rows] : series) {
        auto *gaps = new QLineSeries;
        gaps->setName(QStringLiteral("%1: time between messages").arg(protocol::transportLabel(transport)));
        auto *latency = new QLineSeries;
        latency->setName(QStringLiteral("%1: latency").arg(protocol::transportLabel(transport)));
        for (const load::IterationRow &row : rows) {
            maxIteration = std::max(maxIteration, double(row.iteration));
            // NaN marks an iteration without the figure (the first one): no point.
            if (!std::isnan(row.meanInterMessageMs)) {
                gaps->append(double(row.iteration), row.meanInterMessageMs);
                maxGap = std::max(maxGap, row.meanInterMessageMs);
            }
            if (!std::isnan(row.meanLatencyMs)) {
                latency->append(double(row.iteration), row.meanLatencyMs);
                maxLatency = std::max(maxLatency, row.meanLatencyMs);
            }
        }
        QPen solid(transportColour(transport));
        solid.setWidthF(2.0);
        gaps->setPen(solid);
        QPen dashed(transportColour(transport));
        dashed.setWidthF(1.5);
        dashed.setStyle(Qt::DashLine);
        latency->setPen(dashed);
        chart->addSeries(gaps);
        chart->addSeries(latency);
        gaps->attachAxis(x);
        gaps->attachAxis(gapAxis);
        latency->attachAxis(x);
        latency->attachAxis(latencyAxis);
    }
    x->setRange(0, maxIteration);
    x->applyNiceNumbers(); // ticks at round iteration numbers
    gapAxis->setRange(0, niceMax(maxGap));
    latencyAxis->setRange(0, niceMax(maxLatency));
    chart->legend()->setAlignment(Qt::AlignBottom);
    return chart;
}

bool ThesisChart::renderPng(const Series &series, const QString &title, const QString &path, QString *error, int width,
                            int height)
{
    QChartView view(build(series, title)); // the view owns the chart
    view.setRenderHint(QPainter::Antialiasing);
    view.resize(width, height);
    const QPixmap pixmap = view.grab();
    if (pixmap.isNull() || !pixmap.save(path, "PNG")) {
        *error = QStringLiteral("cannot write the chart to %1").arg(path);
        return false;
    }
    return true;
}

} // namespace duplex::gui
