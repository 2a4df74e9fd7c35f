#pragma once

#include "load/intervaljson.h"
#include "protocol/transport.h"

#include <QHash>
#include <QWidget>

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace duplex::gui {

// The load's live figure: per transport, latency p50 and p99 and the mean inter-message
// time (ms) against seconds since the load started, with a vertical marker wherever a
// node was killed during the load.
class LiveChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveChart)

public:
    enum class Metric { P50, P99, InterMessage };

    explicit LiveChart(QWidget *parent = nullptr);

    void clear();
    void addInterval(const duplex::load::IntervalParse &interval);
    // A vertical line at `seconds` labelled `label` (a killed node).
    void addFaultMarker(double seconds, const QString &label);

    // The series of one transport and metric; nullptr when none was seen yet.
    QLineSeries *series(protocol::Transport transport, Metric metric) const;
    int faultMarkerCount() const { return int(m_markers.size()); }
    QChartView *view() const { return m_view; }

    bool exportPng(const QString &path, QString *error) const;
    // series,transport,t_s,value_ms: one row per point.
    bool exportCsv(const QString &path, QString *error) const;

private:
    QLineSeries *ensureSeries(protocol::Transport transport, Metric metric);
    void append(protocol::Transport transport, Metric metric, double x, double y);
    void rescale();

    QChart *m_chart;
    QChartView *m_view;
    QValueAxis *m_axisX;
    QValueAxis *m_axisY;
    QHash<QString, QLineSeries *> m_series; // key: transport name + '/' + metric
    QList<QLineSeries *> m_markers;
    double m_maxX = 0;
    double m_maxY = 0;
};

} // namespace duplex::gui
