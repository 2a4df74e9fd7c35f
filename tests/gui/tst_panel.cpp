// duplex-panel's window against a real cluster (broker, nodes, static node, nginx) and the
// real duplex-loadgen, drawn off screen: the actions, the process table, a load charted
// live, a fault marker, the exports and a close that leaves no child behind.
#include "control/loadgenrunner.h"
#include "panel/livechart.h"
#include "panel/loadform.h"
#include "panel/loadpanel.h"
#include "panel/logview.h"
#include "control/logbuffer.h"
#include "panel/mainwindow.h"
#include "panel/latencyhistogramchart.h"
#include "panel/processtablemodel.h"
#include "serverprocess.h"
#include "util/procstats.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QFile>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>

#include <QChart>
#include <QChartView>

#include <csignal>
#include <numeric>
#include <memory>

using duplex::control::Cluster;
using duplex::gui::LiveChart;
using duplex::gui::MainWindow;
using duplex::gui::ProcessTableModel;
using duplex::protocol::Transport;

class TestPanel final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void startActionRunsEveryProcess();
    void addedCometNodeAppears();
    void restartButtonRestartsANode();
    void loadIsChartedAndKillIsMarked();
    void exportsWriteFiles();
    void logViewFilters();
    void nginxConfigIsShown();
    void formValuesAreRemembered();
    void durationInsteadOfMessages();
    void thesisIsOneClick();
    void closeStopsEveryChild();

private:
    QString stateOf(const QString &name) const;
    bool allRunning() const;
    // Clicks the toolbar button of `action`; false when there is none or it is disabled.
    bool clickAction(QAction *action);
    // The x (s) of the chart's fault marker labelled `label`; -1 when there is none.
    double markerSeconds(const QString &label) const;

    std::unique_ptr<MainWindow> m_window;
    QList<qint64> m_pids;
};

void TestPanel::initTestCase()
{
    // Settings of the test go to a scratch place, not the user's.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("DuplexTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_panel"));

    duplex::control::ClusterConfig config;
    config.webSocketNodes = 2;
    config.cometNodes = 1;
    config.port = 0;
    config.binDir = QStringLiteral(DUPLEX_BIN_DIR);
    config.statsIntervalMs = 200;
    m_window = std::make_unique<MainWindow>(config);
    QVERIFY(!m_window->confirmClose()); // DUPLEX_PANEL_NO_CONFIRM=1 from CMake
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestPanel::cleanupTestCase()
{
    m_window.reset(); // whatever a failed test left running dies with its supervisors
}

QString TestPanel::stateOf(const QString &name) const
{
    const ProcessTableModel *model = m_window->processModel();
    const int row = model->rowOf(name);
    return row < 0 ? QString() : model->index(row, ProcessTableModel::State).data().toString();
}

bool TestPanel::allRunning() const
{
    const ProcessTableModel *model = m_window->processModel();
    if (model->rowCount() == 0)
        return false;
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, ProcessTableModel::State).data().toString() != QLatin1String("running"))
            return false;
    }
    return true;
}

double TestPanel::markerSeconds(const QString &label) const
{
    const QList<QAbstractSeries *> all = m_window->loadPanel()->liveChart()->view()->chart()->series();
    for (QAbstractSeries *series : all) {
        auto *line = qobject_cast<QLineSeries *>(series);
        if (line && line->name() == label && line->count() > 0)
            return line->at(0).x();
    }
    return -1;
}

bool TestPanel::clickAction(QAction *action)
{
    // Through the toolbar button a person would click, not action->trigger().
    QToolBar *toolbar = m_window->findChild<QToolBar *>(QStringLiteral("clusterToolbar"));
    QWidget *button = toolbar ? toolbar->widgetForAction(action) : nullptr;
    if (!button || !button->isEnabled()) {
        qWarning("no enabled toolbar button for %s", qPrintable(action->text()));
        return false;
    }
    QTest::mouseClick(button, Qt::LeftButton);
    return true;
}

void TestPanel::startActionRunsEveryProcess()
{
    QSignalSpy started(m_window->cluster(), &Cluster::started);
    QVERIFY(!m_window->stopAction()->isEnabled());
    QVERIFY(clickAction(m_window->startAction()));
    QVERIFY(!m_window->startAction()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(started.count() == 1, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(allRunning(), 10000);
    // broker, ws-1, ws-2, comet-1, static, nginx
    QCOMPARE(m_window->processModel()->rowCount(), 6);
    QVERIFY(m_window->cluster()->port() > 0);
    QVERIFY(m_window->stopAction()->isEnabled());
    QVERIFY(m_window->addCometAction()->isEnabled());
    QVERIFY(m_window->loadPanel()->form()->startButton()->isEnabled());
}

void TestPanel::addedCometNodeAppears()
{
    QSignalSpy reloaded(m_window->cluster(), &Cluster::nginxReloaded);
    const int rowsBefore = m_window->processModel()->rowCount();
    QVERIFY(clickAction(m_window->addCometAction()));
    QTRY_VERIFY_WITH_TIMEOUT(reloaded.count() >= 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->processModel()->rowCount(), rowsBefore + 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(QStringLiteral("comet-2")), QStringLiteral("running"), 5000);
}

void TestPanel::restartButtonRestartsANode()
{
    ProcessTableModel *model = m_window->processModel();
    const int row = model->rowOf(QStringLiteral("ws-1"));
    QVERIFY(row >= 0);
    const qint64 oldPid = model->nodeAt(row).pid;
    const quint16 oldPort = model->nodeAt(row).port;
    m_window->processTable()->selectRow(row);
    QVERIFY(m_window->restartNodeButton()->isEnabled());
    QTest::mouseClick(m_window->restartNodeButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(model->nodeAt(model->rowOf(QStringLiteral("ws-1"))).pid != oldPid
                                 && stateOf(QStringLiteral("ws-1")) == QLatin1String("running"),
                             10000);
    const auto now = model->nodeAt(model->rowOf(QStringLiteral("ws-1")));
    QCOMPARE(now.port, oldPort);
    QCOMPARE(now.restarts, 1);
    QVERIFY(!duplex::util::isRunning(oldPid));
}

void TestPanel::loadIsChartedAndKillIsMarked()
{
    duplex::loadgen::LoadOptions options;
    options.transports = {Transport::WebSocket, Transport::Comet};
    options.clients = 10;
    options.messages = 50;
    options.rate = 20; // 2.5 s: several intervals, and time to kill a node mid-run
    options.size = 16;
    options.spreadSources = true;
    m_window->loadPanel()->form()->setOptions(options);

    duplex::control::LoadgenRunner *runner = m_window->loadPanel()->runner();
    QSignalSpy finished(runner, &duplex::control::LoadgenRunner::finished);
    QSignalSpy failed(runner, &duplex::control::LoadgenRunner::failed);
    QSignalSpy intervals(runner, &duplex::control::LoadgenRunner::intervalReported);
    QTest::mouseClick(m_window->loadPanel()->form()->startButton(), Qt::LeftButton);
    QVERIFY2(runner->isRunning(), qPrintable(m_window->statusBar()->currentMessage()));
    QVERIFY(m_window->loadPanel()->form()->stopButton()->isEnabled());

    // Once messages flow, kill a WebSocket node: its clients move to the other one.
    LiveChart *chart = m_window->loadPanel()->liveChart();
    QTRY_VERIFY_WITH_TIMEOUT(chart->series(Transport::WebSocket, LiveChart::Metric::P50)
                                 && chart->series(Transport::WebSocket, LiveChart::Metric::P50)->count() > 0,
                             30000);
    const int row = m_window->processModel()->rowOf(QStringLiteral("ws-2"));
    QVERIFY(row >= 0);
    m_window->processTable()->selectRow(row);
    QVERIFY(m_window->killNodeButton()->isEnabled());
    // Markers are placed on the generator's clock, the one of the points, not the panel's:
    // once intervals flow that clock only moves forward, so the kill lies between two readings.
    const qint64 beforeKill = runner->generatorElapsedMs();
    QTest::mouseClick(m_window->killNodeButton(), Qt::LeftButton);
    const qint64 afterKill = runner->generatorElapsedMs();
    QCOMPARE(chart->faultMarkerCount(), 1);
    const qint64 killedAtMs = qRound64(markerSeconds(QStringLiteral("ws-2 killed")) * 1000);
    QVERIFY2(beforeKill <= killedAtMs && killedAtMs <= afterKill,
             qPrintable(QStringLiteral("%1 not in [%2, %3]").arg(killedAtMs).arg(beforeKill).arg(afterKill)));
    QTRY_VERIFY_WITH_TIMEOUT(stateOf(QStringLiteral("ws-2")) != QLatin1String("running"), 5000);
    // A node that dies on its own (here: SIGKILL from outside) is marked as well; its
    // Comet clients move to the other Comet node.
    qint64 cometPid = 0;
    for (const auto &node : m_window->processModel()->nodes()) {
        if (node.name == QLatin1String("comet-1"))
            cometPid = node.pid;
    }
    QVERIFY(cometPid > 0);
    const qint64 beforeCrash = runner->generatorElapsedMs();
    ::kill(pid_t(cometPid), SIGKILL);
    QTRY_COMPARE_WITH_TIMEOUT(chart->faultMarkerCount(), 2, 5000);
    const qint64 afterCrash = runner->generatorElapsedMs();
    const qint64 exitedAtMs = qRound64(markerSeconds(QStringLiteral("comet-1 exited")) * 1000);
    QVERIFY2(beforeCrash <= exitedAtMs && exitedAtMs <= afterCrash,
             qPrintable(QStringLiteral("%1 not in [%2, %3]").arg(exitedAtMs).arg(beforeCrash).arg(afterCrash)));

    QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() > 0, 90000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    QVERIFY(intervals.count() > 0);
    for (const Transport transport : duplex::protocol::kTransports) {
        QLineSeries *p50 = chart->series(transport, LiveChart::Metric::P50);
        QVERIFY2(p50 && p50->count() > 0, qPrintable(duplex::protocol::transportName(transport)));
        QVERIFY(chart->series(transport, LiveChart::Metric::P99));
        QVERIFY(chart->series(transport, LiveChart::Metric::InterMessage));
    }
    QCOMPARE(chart->series(Transport::WebSocket, LiveChart::Metric::P50)->color(), QColor(0x1f, 0x77, 0xb4));
    QCOMPARE(chart->series(Transport::Comet, LiveChart::Metric::P50)->color(), QColor(0xff, 0x7f, 0x0e));
    // The histogram view counted every message each transport delivered, in the bands the
    // chart shows. A publish whose node was killed before it answered is uncertain and left
    // out of the counts (the summary's `expected`), so the figure to match is the summary's,
    // and it must be all that was expected: nothing lost to the kills.
    const duplex::load::SummaryParse summary = finished.first().first().value<duplex::load::SummaryParse>();
    QCOMPARE(summary.transports.size(), 2);
    qint64 fewestIterations = 50; // messages every client of a transport was expected to get
    for (const duplex::load::ParsedTransportSummary &parsed : summary.transports) {
        const duplex::load::TransportSummary &t = parsed.summary;
        fewestIterations = std::min(fewestIterations, t.expected / 10);
        const QString name = duplex::protocol::transportName(t.transport);
        QVERIFY2(t.expected >= 10 * 45 && t.expected % 10 == 0, qPrintable(QStringLiteral("%1: %2 expected").arg(name).arg(t.expected)));
        QCOMPARE(t.delivered, t.expected);
        QCOMPARE(t.lost, qint64(0));
        QCOMPARE(t.duplicated, qint64(0));
        const QList<qint64> bands = m_window->loadPanel()->histogramChart()->bandCounts(t.transport);
        QCOMPARE(bands.size(), duplex::gui::LatencyHistogramChart::bandLabels().size());
        // An uncertain publish that did arrive is charted but not counted as delivered.
        const qint64 charted = std::accumulate(bands.cbegin(), bands.cend(), qint64(0));
        QVERIFY2(t.delivered <= charted && charted <= qint64(10 * 50),
                 qPrintable(QStringLiteral("%1: %2 charted, %3 delivered").arg(name).arg(charted).arg(t.delivered)));
    }
    // The thesis's figure for the run: per transport a line of its iterations (50, less
    // any uncertain publish; one delta fewer for the time between messages).
    const QList<QAbstractSeries *> thesis = m_window->loadPanel()->thesisView()->chart()->series();
    QCOMPARE(thesis.size(), 4); // time between messages and latency, per transport
    for (QAbstractSeries *series : thesis) {
        auto *line = qobject_cast<QLineSeries *>(series);
        QVERIFY(line);
        QVERIFY2(line->count() >= fewestIterations - 1,
                 qPrintable(QStringLiteral("%1: %2 points, %3 iterations").arg(line->name()).arg(line->count()).arg(fewestIterations)));
    }
    QVERIFY(!m_window->loadPanel()->form()->stopButton()->isEnabled());
    QVERIFY(m_window->loadPanel()->form()->progressBar()->value() > 0);
    qInfo() << "counters:" << m_window->loadPanel()->form()->countersText();
}

void TestPanel::exportsWriteFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    const QString png = dir.filePath(QStringLiteral("chart.png"));
    const QString csv = dir.filePath(QStringLiteral("chart.csv"));
    QVERIFY2(m_window->loadPanel()->exportChartPng(png, &error), qPrintable(error));
    if (qEnvironmentVariableIsSet("DUPLEX_PANEL_KEEP_PNG"))
    {
        // For a person checking the layout: the chart and the whole window.
        QFile::copy(png, qEnvironmentVariable("DUPLEX_PANEL_KEEP_PNG"));
        m_window->grab().save(qEnvironmentVariable("DUPLEX_PANEL_KEEP_PNG") + QStringLiteral(".window.png"));
    }
    QVERIFY2(m_window->loadPanel()->exportChartCsv(csv, &error), qPrintable(error));

    QFile pngFile(png);
    QVERIFY(pngFile.open(QIODevice::ReadOnly));
    QCOMPARE(pngFile.read(8), QByteArray("\x89PNG\r\n\x1a\n", 8));

    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly | QIODevice::Text));
    const QList<QByteArray> lines = csvFile.readAll().split('\n');
    QCOMPARE(lines.first(), QByteArray("series,transport,t_s,value_ms"));
    bool ws = false, comet = false, fault = false;
    for (const QByteArray &line : lines.mid(1)) {
        ws = ws || line.startsWith("p50,ws,");
        comet = comet || line.startsWith("p50,comet,");
        fault = fault || line.startsWith("fault,");
    }
    QVERIFY(ws);
    QVERIFY(comet);
    QVERIFY(fault);
}

void TestPanel::logViewFilters()
{
    duplex::control::LogBuffer *logs = m_window->logBuffer();
    QVERIFY(logs->sources().contains(QStringLiteral("loadgen")));
    // The broker says on stderr which nodes joined: those lines arrive while it runs (a
    // child's stderr once came only as one blob at its exit), under its name, as stderr.
    QTRY_VERIFY_WITH_TIMEOUT(logs->sources().contains(QStringLiteral("broker")), 5000);
    const QList<duplex::control::LogLine> brokerLines = logs->lines(QStringLiteral("broker"));
    const auto joined = std::find_if(brokerLines.cbegin(), brokerLines.cend(), [](const duplex::control::LogLine &line) {
        return line.text == QLatin1String("broker: node ws-1 joined");
    });
    QVERIFY2(joined != brokerLines.cend(), qPrintable(QString::number(brokerLines.size())));
    QVERIFY(joined->isError); // written to stderr
    duplex::gui::LogView *view = m_window->logView();
    QVERIFY(view->sourceCombo()->findData(QStringLiteral("loadgen")) >= 0);

    // One source only: every shown line is that source's.
    view->sourceCombo()->setCurrentIndex(view->sourceCombo()->findData(QStringLiteral("loadgen")));
    const QStringList shown = view->textEdit()->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(!shown.isEmpty());
    for (const QString &line : shown)
        QVERIFY2(line.section(QLatin1Char(' '), 1, 1).startsWith(QLatin1String("loadgen")), qPrintable(line));

    // A search nothing matches empties the view; clearing it brings the lines back.
    view->searchField()->setText(QStringLiteral("no line says this 7f3a"));
    QVERIFY(view->textEdit()->toPlainText().isEmpty());
    view->searchField()->clear();
    QCOMPARE(view->textEdit()->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), shown.size());

    // New lines of the shown source arrive while the view is open.
    logs->append(QStringLiteral("loadgen"), true, QStringLiteral("a marker line from the test"));
    QVERIFY(view->textEdit()->toPlainText().contains(QStringLiteral("a marker line from the test")));
    view->errorsOnlyBox()->setChecked(true);
    QVERIFY(view->textEdit()->toPlainText().contains(QStringLiteral("a marker line from the test")));
    view->errorsOnlyBox()->setChecked(false);
    view->sourceCombo()->setCurrentIndex(0);
}

void TestPanel::nginxConfigIsShown()
{
    QVERIFY(m_window->showNginxConfigAction()->isEnabled());
    QVERIFY(clickAction(m_window->showNginxConfigAction()));
    // The node killed from outside earlier left an error box open: find the config one.
    QDialog *dialog = nullptr;
    QPlainTextEdit *edit = nullptr;
    for (QDialog *candidate : m_window->findChildren<QDialog *>()) {
        if (auto *text = candidate->findChild<QPlainTextEdit *>()) {
            dialog = candidate;
            edit = text;
        }
    }
    QVERIFY(dialog);
    QVERIFY(edit);
    QVERIFY(edit->isReadOnly());
    QCOMPARE(edit->toPlainText(), m_window->cluster()->nginxConfigText());
    QVERIFY(edit->toPlainText().contains(QStringLiteral("upstream")));
    dialog->close();
}

void TestPanel::formValuesAreRemembered()
{
    // Starting the load saved the form; a new form (a new session) reads it back.
    duplex::gui::LoadForm form;
    form.restoreSettings();
    const duplex::loadgen::LoadOptions options = form.options();
    QCOMPARE(options.clients, 10);
    QCOMPARE(options.messages, qint64(50));
    QCOMPARE(options.transports, (QList<Transport>{Transport::WebSocket, Transport::Comet}));
    QVERIFY(options.spreadSources);

    form.applyThesisPreset();
    const duplex::loadgen::LoadOptions thesis = form.options();
    QCOMPARE(thesis.clients, 100);
    QCOMPARE(thesis.messages, qint64(100));
    QCOMPARE(thesis.size, 16);
    QCOMPARE(thesis.rate, 200.0);
    QVERIFY(thesis.spreadSources);
    QCOMPARE(thesis.transports.size(), 2);
}

void TestPanel::durationInsteadOfMessages()
{
    // Messages 0 means "by duration", as the generator's --duration.
    duplex::gui::LoadForm form;
    duplex::loadgen::LoadOptions options;
    options.messages = 0;
    options.durationSeconds = 2.5;
    form.setOptions(options);
    QCOMPARE(form.options().messages, qint64(0));
    QCOMPARE(form.options().durationSeconds, 2.5);
    options.messages = 40;
    form.setOptions(options);
    QCOMPARE(form.options().messages, qint64(40));
}

void TestPanel::thesisIsOneClick()
{
    // One click on the toolbar runs the thesis's experiment: the preset, then the load.
    duplex::control::LoadgenRunner *runner = m_window->loadPanel()->runner();
    QSignalSpy finished(runner, &duplex::control::LoadgenRunner::finished);
    QVERIFY(m_window->thesisAction()->isEnabled());
    QVERIFY(clickAction(m_window->thesisAction()));
    QVERIFY(runner->isRunning());
    const duplex::loadgen::LoadOptions options = m_window->loadPanel()->form()->options();
    QCOMPARE(options.clients, 100);
    QCOMPARE(options.messages, qint64(100));
    QCOMPARE(options.size, 16);
    QCOMPARE(options.transports.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 90000);
    QCOMPARE(m_window->loadPanel()->thesisView()->chart()->series().size(), 4);
}

void TestPanel::closeStopsEveryChild()
{
    const ProcessTableModel *model = m_window->processModel();
    QList<qint64> pids;
    for (const auto &node : model->nodes()) {
        if (node.pid > 0 && node.state == duplex::process::ChildProcess::State::Running) {
            pids << node.pid;
            // nginx's workers are the master's children, not ours: check them too.
            if (node.role == duplex::util::Role::Nginx)
                pids << duplex::util::childProcesses(node.pid);
        }
    }
    QVERIFY(pids.size() >= 5);
    QVERIFY(m_window->close() == false); // busy: the close waits for the stop
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->isVisible(), 30000);
    QCOMPARE(m_window->cluster()->state(), Cluster::State::Stopped);
    QVERIFY(!m_window->loadPanel()->runner()->isRunning());
    for (qint64 pid : std::as_const(pids)) {
        // A zombie (an nginx worker left for init to reap) counts as gone.
        QTRY_VERIFY2_WITH_TIMEOUT(!duplex::util::isRunning(pid), qPrintable(QString::number(pid)), 5000);
    }
}

QTEST_MAIN(TestPanel)
#include "tst_panel.moc"
