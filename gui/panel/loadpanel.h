#pragma once

#include <QWidget>

class QChartView;

namespace duplex::control {
class Cluster;
class LoadgenRunner;
} // namespace duplex::control

namespace duplex::gui {

class LatencyHistogramChart;
class LiveChart;
class LoadForm;

// The panel's load side: duplex-loadgen run against the cluster's nginx from the load form,
// and what the run reports drawn as it comes (the live chart, the latency histogram) and
// at its end (the thesis's figure). This widget is the form; the charts are pages the
// window places in its tabs. It reads the cluster's state and port, and commands nothing.
class LoadPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadPanel)

public:
    // `binDir` holds duplex-loadgen; empty: beside this program.
    LoadPanel(const control::Cluster *cluster, const QString &binDir, QWidget *parent = nullptr);
    ~LoadPanel() override;

    // The pages of the window's tabs.
    QWidget *liveChartPage() const { return m_chartPage; }
    LatencyHistogramChart *histogramChart() const { return m_histogram; }
    QChartView *thesisView() const { return m_thesisView; }

    void setStartEnabled(bool enabled);
    // The thesis's experiment: its preset, then a start.
    void startThesis();
    // A fault during a load (a kill, a node's death) is what the chart is for: marked when
    // it happened, on the generator's clock like the intervals. Nothing without a load.
    void markFault(const QString &label);
    void saveSettings() const;

    bool exportChartPng(const QString &path, QString *error) const;
    bool exportChartCsv(const QString &path, QString *error) const;

    control::LoadgenRunner *runner() const { return m_runner; }
    LoadForm *form() const { return m_form; }
    LiveChart *liveChart() const { return m_chart; }

signals:
    // What the window shows for the panel's own buttons: a refusal or failure, in a box...
    void errorReported(const QString &title, const QString &text);
    // ...or a passing note, for `timeoutMs`.
    void statusReported(const QString &text, int timeoutMs);

private:
    QWidget *createChartPage();
    void connectRunner();

    void handleStartRequested();
    void handleStopRequested();
    void handleExportPng();
    void handleExportCsv();

    const control::Cluster *m_cluster;
    control::LoadgenRunner *m_runner;
    LoadForm *m_form;
    LiveChart *m_chart = nullptr;
    QWidget *m_chartPage = nullptr;
    LatencyHistogramChart *m_histogram;
    QChartView *m_thesisView;
};

} // namespace duplex::gui
