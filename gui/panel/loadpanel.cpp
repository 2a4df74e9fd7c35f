#include "panel/loadpanel.h"

#include "charts/thesischart.h"
#include "control/cluster.h"
#include "control/loadgenrunner.h"
#include "load/iterationcsv.h"
#include "panel/latencyhistogramchart.h"
#include "panel/livechart.h"
#include "panel/loadform.h"

#include <QChartView>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QPushButton>
#include <QVBoxLayout>

#include <memory>

namespace duplex::gui {

using control::Cluster;

namespace {
constexpr int kStatusMs = 5000;
} // namespace

LoadPanel::LoadPanel(const Cluster *cluster, const QString &binDir, QWidget *parent)
    : QWidget(parent)
    , m_cluster(cluster)
    , m_runner(new control::LoadgenRunner(this))
    , m_form(new LoadForm(this))
    , m_histogram(new LatencyHistogramChart(this))
    , m_thesisView(new QChartView(this))
{
    m_chartPage = createChartPage();
    if (!binDir.isEmpty())
        m_runner->setProgram(QDir(binDir).filePath(QStringLiteral("duplex-loadgen")));
    m_thesisView->setRenderHint(QPainter::Antialiasing);
    m_thesisView->setToolTip(tr("After a load: per iteration (message), the mean time between consecutive "
                                "messages over the clients (solid) and the mean latency (dashed)"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_form);

    connectRunner();
    connect(m_form, &LoadForm::startRequested, this, &LoadPanel::handleStartRequested);
    connect(m_form, &LoadForm::stopRequested, this, &LoadPanel::handleStopRequested);
    m_form->restoreSettings();
}

LoadPanel::~LoadPanel() = default;

QWidget *LoadPanel::createChartPage()
{
    auto *page = new QWidget(this);
    m_chart = new LiveChart(page);
    auto *png = new QPushButton(tr("Export PNG..."), page);
    png->setToolTip(tr("Save the chart as it is drawn"));
    auto *csv = new QPushButton(tr("Export CSV..."), page);
    csv->setToolTip(tr("Save the chart's points: series, transport, seconds, ms"));
    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(png);
    buttons->addWidget(csv);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_chart);
    layout->addLayout(buttons);
    connect(png, &QPushButton::clicked, this, &LoadPanel::handleExportPng);
    connect(csv, &QPushButton::clicked, this, &LoadPanel::handleExportCsv);
    return page;
}

void LoadPanel::connectRunner()
{
    using control::LoadgenRunner;
    connect(m_runner, &LoadgenRunner::started, this, [this] { m_form->setRunning(true); });
    connect(m_runner, &LoadgenRunner::intervalReported, this, [this](const load::IntervalParse &interval) {
        m_chart->addInterval(interval);
        m_histogram->addInterval(interval);
        m_form->showInterval(interval);
    });
    connect(m_runner, &LoadgenRunner::finished, this, [this](const load::SummaryParse &summary, const QByteArray &csv) {
        m_form->showSummary(summary);
        // The thesis's figure, per iteration, once the run's rows are all in.
        const load::CsvParse rows = load::parseCsv(csv);
        if (rows.status == load::CsvParse::Status::Ok && !rows.transports.isEmpty()) {
            // setChart() releases the previous chart without deleting it.
            const std::unique_ptr<QChart> previous(m_thesisView->chart());
            m_thesisView->setChart(ThesisChart::build(rows.transports, tr("The thesis's figure for this run, per iteration")));
        }
        m_form->setRunning(false);
    });
    connect(m_runner, &LoadgenRunner::failed, this, [this] { m_form->setRunning(false); });
}

void LoadPanel::setStartEnabled(bool enabled)
{
    m_form->setStartEnabled(enabled);
}

void LoadPanel::startThesis()
{
    m_form->applyThesisPreset();
    handleStartRequested();
}

void LoadPanel::markFault(const QString &label)
{
    if (m_runner->isRunning())
        m_chart->addFaultMarker(m_runner->generatorElapsedMs() / 1000.0, label);
}

void LoadPanel::saveSettings() const
{
    m_form->saveSettings();
}

bool LoadPanel::exportChartPng(const QString &path, QString *error) const
{
    return m_chart->exportPng(path, error);
}

bool LoadPanel::exportChartCsv(const QString &path, QString *error) const
{
    return m_chart->exportCsv(path, error);
}

void LoadPanel::handleStartRequested()
{
    if (m_cluster->state() != Cluster::State::Running) {
        emit errorReported(tr("Cannot start the load"), tr("Start the cluster first."));
        return;
    }
    loadgen::LoadOptions options = m_form->options();
    if (options.transports.isEmpty()) {
        emit errorReported(tr("Cannot start the load"), tr("Choose at least one transport."));
        return;
    }
    options.host = QStringLiteral("127.0.0.1");
    options.port = m_cluster->port();
    options.histograms = true; // for the histogram view
    m_chart->clear();
    m_histogram->clear();
    m_form->resetCounters();
    QString error;
    if (!m_runner->start(options, &error)) {
        emit errorReported(tr("Cannot start the load"), error);
        return;
    }
    m_form->setRunning(true);
    m_form->saveSettings();
}

void LoadPanel::handleStopRequested()
{
    m_runner->stop();
    emit statusReported(tr("Stopping the load; waiting for its summary"), kStatusMs);
}

void LoadPanel::handleExportPng()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("duplex-load.png"),
                                                      tr("PNG images (*.png)"));
    QString error;
    if (!path.isEmpty() && !exportChartPng(path, &error))
        emit errorReported(tr("Export failed"), error);
}

void LoadPanel::handleExportCsv()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chart data"), QStringLiteral("duplex-load.csv"),
                                                      tr("CSV files (*.csv)"));
    QString error;
    if (!path.isEmpty() && !exportChartCsv(path, &error))
        emit errorReported(tr("Export failed"), error);
}

} // namespace duplex::gui
