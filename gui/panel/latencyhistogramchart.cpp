#include "panel/latencyhistogramchart.h"

#include "charts/transportcolour.h"
#include "protocol/transport.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

namespace duplex::gui {

namespace {
// Band edges in ms: roughly logarithmic, like latencies.
const QList<double> kEdgesMs{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
} // namespace

LatencyHistogramChart::LatencyHistogramChart(QWidget *parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_bars(new QBarSeries(m_chart))
    , m_axisY(new QValueAxis(m_chart))
{
    m_chart->setTitle(tr("Latency distribution since the load started"));
    m_chart->addSeries(m_bars);
    auto *axisX = new QBarCategoryAxis(m_chart);
    axisX->append(bandLabels());
    axisX->setTitleText(tr("end-to-end latency, ms"));
    m_axisY->setTitleText(tr("% of messages"));
    m_axisY->setRange(0, 100);
    m_axisY->setLabelFormat(QStringLiteral("%d"));
    m_chart->addAxis(axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);
    m_bars->attachAxis(axisX);
    m_bars->attachAxis(m_axisY);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setToolTip(tr("Share of the messages received so far in each latency band, per transport"));
    // Hover shows the exact share and count of a bar.
    connect(m_bars, &QBarSeries::hovered, this, [this](bool status, int index, QBarSet *set) {
        if (!status || !set) {
            QToolTip::hideText();
            return;
        }
        const protocol::Transport transport = m_sets.key(set);
        const QList<qint64> counts = bandCounts(transport);
        QToolTip::showText(QCursor::pos(), tr("%1, %2 ms: %3% (%4 messages)")
                                               .arg(set->label(), bandLabels().value(index))
                                               .arg(set->at(index), 0, 'f', 1)
                                               .arg(counts.value(index)));
    });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
}

QStringList LatencyHistogramChart::bandLabels()
{
    QStringList labels{QStringLiteral("<%1").arg(kEdgesMs.first())};
    for (int i = 1; i < kEdgesMs.size(); ++i)
        labels << QStringLiteral("%1-%2").arg(kEdgesMs.at(i - 1)).arg(kEdgesMs.at(i));
    labels << QStringLiteral(">=%1").arg(kEdgesMs.last());
    return labels;
}

QList<qint64> LatencyHistogramChart::bandCounts(protocol::Transport transport) const
{
    const auto it = m_totals.constFind(transport);
    if (it == m_totals.cend())
        return {};
    QList<qint64> counts;
    qint64 below = 0;
    for (const double edge : kEdgesMs) {
        const qint64 upTo = it->countBelow(qint64(edge * 1000));
        counts << upTo - below;
        below = upTo;
    }
    counts << it->count() - below;
    return counts;
}

void LatencyHistogramChart::clear()
{
    m_totals.clear();
    m_bars->clear(); // deletes the sets
    m_sets.clear();
}

void LatencyHistogramChart::addInterval(const duplex::load::IntervalParse &interval)
{
    for (const auto &t : interval.transports) {
        if (!t.hasHistogram)
            continue;
        m_totals[t.interval.transport].merge(t.interval.latency);
    }
    refresh();
}

void LatencyHistogramChart::refresh()
{
    for (auto it = m_totals.cbegin(); it != m_totals.cend(); ++it) {
        QBarSet *set = m_sets.value(it.key());
        if (!set) {
            set = new QBarSet(protocol::transportLabel(it.key()));
            set->setColor(transportColour(it.key()));
            m_bars->append(set);
            m_sets.insert(it.key(), set);
        }
        const QList<qint64> counts = bandCounts(it.key());
        const double total = double(std::max<qint64>(1, it->count()));
        for (int i = 0; i < counts.size(); ++i) {
            const double share = 100.0 * double(counts.at(i)) / total;
            if (i < set->count())
                set->replace(i, share);
            else
                set->append(share);
        }
    }
}

} // namespace duplex::gui
