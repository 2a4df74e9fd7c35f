#pragma once

#include "load/latencyhistogram.h"
#include "load/intervaljson.h"
#include "protocol/transport.h"

#include <QMap>
#include <QWidget>

class QBarSeries;
class QBarSet;
class QChart;
class QChartView;
class QValueAxis;

namespace duplex::gui {

// The load's latency distribution so far, per transport: the share of messages in each
// latency band (bars side by side, one colour per transport), built from the histograms
// the generator's interval lines carry (duplex-loadgen --histograms).
class LatencyHistogramChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LatencyHistogramChart)

public:
    explicit LatencyHistogramChart(QWidget *parent = nullptr);

    void clear();
    void addInterval(const duplex::load::IntervalParse &interval);

    // The band labels, and one transport's message count per band (empty when unseen).
    static QStringList bandLabels();
    QList<qint64> bandCounts(protocol::Transport transport) const;
    QChartView *view() const { return m_view; }

private:
    void refresh();

    QChart *m_chart;
    QChartView *m_view;
    QBarSeries *m_bars;
    QValueAxis *m_axisY;
    QMap<protocol::Transport, load::LatencyHistogram> m_totals;
    QMap<protocol::Transport, QBarSet *> m_sets;
};

} // namespace duplex::gui
