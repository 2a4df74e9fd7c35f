#include "panel/livechart.h"

#include "charts/transportcolour.h"
#include "protocol/transport.h"

#include <QChart>
#include <QChartView>
#include <QFile>
#include <QLegendMarker>
#include <QLineSeries>
#include <QCursor>
#include <QToolTip>
#include <QPen>
#include <QPixmap>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace duplex::gui {

namespace {

QString metricName(LiveChart::Metric metric)
{
    switch (metric) {
    case LiveChart::Metric::P50:
        return QStringLiteral("p50");
    case LiveChart::Metric::P99:
        return QStringLiteral("p99");
    case LiveChart::Metric::InterMessage:
        return QStringLiteral("inter-message");
    }
    return {};
}

QString keyOf(protocol::Transport transport, LiveChart::Metric metric)
{
    return protocol::transportName(transport) + QLatin1Char('/') + metricName(metric);
}

} // namespace

LiveChart::LiveChart(QWidget *parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this)) // the view owns the chart
    , m_axisX(new QValueAxis(m_chart))
    , m_axisY(new QValueAxis(m_chart))
{
    m_chart->setTitle(tr("Latency and inter-message time"));
    m_axisX->setTitleText(tr("seconds since the load started"));
    m_axisY->setTitleText(tr("ms"));
    m_axisX->setLabelFormat(QStringLiteral("%.0f"));
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setToolTip(tr("Per transport: latency p50 (solid), p99 (dashed) and mean "
                          "inter-message time (dotted); grey lines mark killed nodes"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    rescale();
}

void LiveChart::clear()
{
    for (QLineSeries *series : std::as_const(m_series)) {
        m_chart->removeSeries(series);
        delete series;
    }
    for (QLineSeries *marker : std::as_const(m_markers)) {
        m_chart->removeSeries(marker);
        delete marker;
    }
    m_series.clear();
    m_markers.clear();
    m_maxX = 0;
    m_maxY = 0;
    rescale();
}

QLineSeries *LiveChart::series(protocol::Transport transport, Metric metric) const
{
    return m_series.value(keyOf(transport, metric));
}

QLineSeries *LiveChart::ensureSeries(protocol::Transport transport, Metric metric)
{
    const QString key = keyOf(transport, metric);
    if (QLineSeries *existing = m_series.value(key))
        return existing;
    auto *series = new QLineSeries;
    series->setName(QStringLiteral("%1 %2").arg(protocol::transportLabel(transport), metricName(metric)));
    QPen pen(transportColour(transport));
    pen.setWidthF(metric == Metric::P50 ? 2.0 : 1.5);
    pen.setStyle(metric == Metric::P50 ? Qt::SolidLine : metric == Metric::P99 ? Qt::DashLine : Qt::DotLine);
    series->setPen(pen);
    m_chart->addSeries(series);
    series->attachAxis(m_axisX);
    series->attachAxis(m_axisY);
    // Hover shows the value under the pointer.
    connect(series, &QLineSeries::hovered, this, [series](const QPointF &point, bool state) {
        if (state)
            QToolTip::showText(QCursor::pos(), QStringLiteral("%1\n%2 s: %3 ms")
                                                   .arg(series->name())
                                                   .arg(point.x(), 0, 'f', 1)
                                                   .arg(point.y(), 0, 'f', 2));
        else
            QToolTip::hideText();
    });
    m_series.insert(key, series);
    return series;
}

void LiveChart::append(protocol::Transport transport, Metric metric, double x, double y)
{
    // NaN: the interval had no value (nothing received); a gap is better than a fake zero.
    if (std::isnan(y))
        return;
    ensureSeries(transport, metric)->append(x, y);
    m_maxY = std::max(m_maxY, y);
}

void LiveChart::addInterval(const load::IntervalParse &interval)
{
    if (interval.status != load::IntervalParse::Status::Ok)
        return;
    const double x = interval.elapsedMs / 1000.0;
    m_maxX = std::max(m_maxX, x);
    for (const load::ParsedTransportInterval &t : interval.transports) {
        const protocol::Transport name = t.interval.transport;
        append(name, Metric::P50, x, t.percentiles.p50Ms);
        append(name, Metric::P99, x, t.percentiles.p99Ms);
        append(name, Metric::InterMessage, x, t.interval.meanInterMessageMs);
    }
    rescale();
}

void LiveChart::addFaultMarker(double seconds, const QString &label)
{
    auto *marker = new QLineSeries;
    marker->setName(label);
    QPen pen(Qt::gray);
    pen.setWidthF(1.5);
    pen.setStyle(Qt::DashDotLine);
    marker->setPen(pen);
    marker->append(seconds, 0);
    marker->append(seconds, 1);
    m_chart->addSeries(marker);
    marker->attachAxis(m_axisX);
    marker->attachAxis(m_axisY);
    // Markers are annotations, not data: keep them out of the legend.
    const auto legendMarkers = m_chart->legend()->markers(marker);
    for (QLegendMarker *legendMarker : legendMarkers)
        legendMarker->setVisible(false);
    m_markers.append(marker);
    m_maxX = std::max(m_maxX, seconds);
    rescale();
}

void LiveChart::rescale()
{
    const double maxX = std::max(10.0, std::ceil(m_maxX * 1.05));
    const double maxY = m_maxY > 0 ? m_maxY * 1.1 : 10.0;
    m_axisX->setRange(0, maxX);
    m_axisY->setRange(0, maxY);
    // Round ticks (0, 2, 4 … rather than 0, 2.5, 5 …); may widen the range a little.
    m_axisX->applyNiceNumbers();
    m_axisY->applyNiceNumbers();
    // Marker lines span the whole height whatever the scale.
    for (QLineSeries *marker : std::as_const(m_markers)) {
        const double x = marker->at(0).x();
        marker->replace(QList<QPointF>{{x, 0}, {x, m_axisY->max()}});
    }
}

bool LiveChart::exportPng(const QString &path, QString *error) const
{
    const QPixmap pixmap = m_view->grab();
    if (pixmap.isNull() || !pixmap.save(path, "PNG")) {
        if (error)
            *error = tr("Cannot write %1").arg(path);
        return false;
    }
    return true;
}

bool LiveChart::exportCsv(const QString &path, QString *error) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    QByteArray text = "series,transport,t_s,value_ms\n";
    QStringList keys = m_series.keys();
    keys.sort(); // stable files for diffs and tests
    for (const QString &key : std::as_const(keys)) {
        const QString transport = key.section(QLatin1Char('/'), 0, 0);
        const QString metric = key.section(QLatin1Char('/'), 1);
        const auto points = m_series.value(key)->points();
        for (const QPointF &p : points) {
            text += QStringLiteral("%1,%2,%3,%4\n")
                        .arg(metric, transport, QString::number(p.x(), 'f', 3), QString::number(p.y(), 'f', 3))
                        .toUtf8();
        }
    }
    for (QLineSeries *marker : m_markers)
        text += QStringLiteral("fault,%1,%2,\n").arg(marker->name(), QString::number(marker->at(0).x(), 'f', 3)).toUtf8();
    if (file.write(text) != text.size()) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace duplex::gui
