#include "panel/mainwindow.h"

#include "control/loadgenrunner.h"
#include "control/logbuffer.h"
#include "panel/latencyhistogramchart.h"
#include "panel/loadform.h"
#include "panel/loadpanel.h"
#include "panel/logview.h"
#include "panel/processtablemodel.h"

#include <QAction>
#include <QChartView>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

namespace duplex::gui {

using control::Cluster;
using util::Role;

namespace {
// Closing waits for the cluster's orderly stop; past this the window closes anyway and
// the children die with their supervisors (process-group kill, PDEATHSIG).
constexpr int kCloseTimeoutMs = 20000;
constexpr int kStatusMs = 5000;

bool isWorkerRole(util::Role role)
{
    return role == util::Role::WebSocket || role == util::Role::Comet;
}
} // namespace

MainWindow::MainWindow(const control::ClusterConfig &config, QWidget *parent)
    : QMainWindow(parent)
    , m_cluster(new Cluster(config, this))
    , m_logs(new control::LogBuffer(10000, this))
    , m_model(new ProcessTableModel(this))
{
    setWindowTitle(tr("Duplex control panel"));
    m_confirmClose = qEnvironmentVariableIntValue("DUPLEX_PANEL_NO_CONFIRM") != 1;

    createActions();
    m_loadPanel = new LoadPanel(m_cluster, config.binDir, this);
    m_logView = new LogView(m_logs, this);

    auto *top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(createProcessPanel());
    top->addWidget(m_loadPanel);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 1);
    auto *tabs = new QTabWidget(this);
    tabs->addTab(m_loadPanel->liveChartPage(), tr("Live chart"));
    tabs->addTab(m_loadPanel->histogramChart(), tr("Latency histogram"));
    tabs->addTab(m_loadPanel->thesisView(), tr("Thesis figure"));
    tabs->addTab(m_logView, tr("Logs"));
    auto *central = new QSplitter(Qt::Vertical, this);
    central->addWidget(top);
    central->addWidget(tabs);
    central->setStretchFactor(1, 1);
    setCentralWidget(central);

    m_stateLabel = new QLabel(this);
    m_startProgress = new QProgressBar(this);
    m_startProgress->setRange(0, 0); // busy: the start has steps, not a known length
    m_startProgress->setMaximumWidth(160);
    m_startProgress->setVisible(false);
    statusBar()->addPermanentWidget(m_startProgress);
    statusBar()->addPermanentWidget(m_stateLabel);

    connectCluster();
    connectLoadPanel();

    resize(1280, 800);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    QToolBar *toolbar = addToolBar(tr("Cluster"));
    toolbar->setObjectName(QStringLiteral("clusterToolbar"));
    m_startAction = toolbar->addAction(tr("Start cluster"), this, &MainWindow::handleStartTriggered);
    m_startAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+S")));
    m_startAction->setToolTip(tr("Start broker, nodes, static node and nginx (Ctrl+S)"));
    m_stopAction = toolbar->addAction(tr("Stop cluster"), this, &MainWindow::handleStopTriggered);
    m_stopAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+S")));
    m_stopAction->setToolTip(tr("Stop every process of the cluster (Ctrl+Shift+S)"));
    toolbar->addSeparator();
    m_thesisAction = toolbar->addAction(tr("Run thesis experiment"), this, &MainWindow::handleRunThesis);
    m_thesisAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+T")));
    m_thesisAction->setToolTip(tr("The 2016 thesis's experiment in one click: 100 clients per transport, 100 messages "
                                  "of 16 characters, Comet against WebSocket (Ctrl+T)"));
    toolbar->addSeparator();
    m_addWebSocketAction = toolbar->addAction(tr("Add WebSocket node"), this,
                                              [this] { handleAddNode(util::Role::WebSocket); });
    m_addWebSocketAction->setToolTip(tr("Start one more WebSocket node; nginx takes it in once it is ready"));
    m_addCometAction = toolbar->addAction(tr("Add Comet node"), this, [this] { handleAddNode(util::Role::Comet); });
    m_addCometAction->setToolTip(tr("Start one more Comet node; nginx takes it in once it is ready"));
    toolbar->addSeparator();
    m_openWebClientAction = toolbar->addAction(tr("Open web client"), this, &MainWindow::handleOpenWebClient);
    m_openWebClientAction->setToolTip(tr("Open the browser client through nginx"));
    m_showNginxConfigAction = toolbar->addAction(tr("Show nginx config"), this, &MainWindow::handleShowNginxConfig);
    m_showNginxConfigAction->setToolTip(tr("The configuration nginx runs with now (read-only)"));
}

QWidget *MainWindow::createProcessPanel()
{
    auto *panel = new QWidget(this);
    m_table = new QTableView(panel);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    // A dozen rows at most: fitting the columns to their contents costs nothing.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->setToolTip(tr("The cluster's processes; right-click a WebSocket or Comet node to stop or kill it"));
    m_stopNodeButton = new QPushButton(tr("Stop node"), panel);
    m_stopNodeButton->setToolTip(tr("Take the selected node out of nginx, then stop it"));
    m_killNodeButton = new QPushButton(tr("Kill node"), panel);
    m_killNodeButton->setToolTip(tr("SIGKILL the selected node, as a crash would (fault injection)"));
    m_restartNodeButton = new QPushButton(tr("Restart node"), panel);
    m_restartNodeButton->setToolTip(tr("Stop the selected node gracefully (or, if dead, not) and start it again on its ports"));
    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_restartNodeButton);
    buttons->addWidget(m_stopNodeButton);
    buttons->addWidget(m_killNodeButton);
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table);
    layout->addLayout(buttons);

    connect(m_table, &QTableView::customContextMenuRequested, this, &MainWindow::handleTableContextMenu);
    connect(m_stopNodeButton, &QPushButton::clicked, this, &MainWindow::handleStopNodeClicked);
    connect(m_killNodeButton, &QPushButton::clicked, this, &MainWindow::handleKillNodeClicked);
    connect(m_restartNodeButton, &QPushButton::clicked, this, &MainWindow::handleRestartNodeClicked);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MainWindow::updateActions);
    return panel;
}

void MainWindow::connectCluster()
{
    connect(m_cluster, &Cluster::progress, this, &MainWindow::handleClusterProgress);
    connect(m_cluster, &Cluster::started, this, &MainWindow::handleClusterStarted);
    connect(m_cluster, &Cluster::startFailed, this, &MainWindow::handleClusterStartFailed);
    connect(m_cluster, &Cluster::failed, this, &MainWindow::handleClusterFailed);
    connect(m_cluster, &Cluster::stopped, this, &MainWindow::handleClusterStopped);
    connect(m_cluster, &Cluster::nodeExited, this, &MainWindow::handleNodeExited);
    connect(m_cluster, &Cluster::statsUpdated, m_model, &ProcessTableModel::handleStatsUpdated);
    connect(m_cluster, &Cluster::nodeStarted, this, [this](const QString &name) {
        statusBar()->showMessage(tr("%1 started").arg(name), kStatusMs);
        m_model->handleStatsUpdated(m_cluster->nodes());
    });
    connect(m_cluster, &Cluster::nodeRestarting, this, [this](const QString &name, int delayMs) {
        statusBar()->showMessage(tr("%1 restarting in %2 ms").arg(name).arg(delayMs), kStatusMs);
    });
    connect(m_cluster, &Cluster::nginxReloaded, this, [this] {
        statusBar()->showMessage(tr("nginx reloaded with the new upstreams"), kStatusMs);
        m_model->handleStatsUpdated(m_cluster->nodes());
    });
    connect(m_cluster, &Cluster::outputLine, m_logs,
            [this](const QString &name, bool isStderr, const QString &line) { m_logs->append(name, isStderr, line); });
}

void MainWindow::connectLoadPanel()
{
    // The panel draws the run; the window tells of it in the status bar and the logs, and
    // waits for it before closing.
    using control::LoadgenRunner;
    const LoadgenRunner *runner = m_loadPanel->runner();
    connect(runner, &LoadgenRunner::started, this,
            [this] { statusBar()->showMessage(tr("Load running"), kStatusMs); });
    connect(runner, &LoadgenRunner::progressed, m_logs,
            [this](const QString &line) { m_logs->append(QStringLiteral("loadgen"), false, line); });
    connect(runner, &LoadgenRunner::finished, this, [this] {
        statusBar()->showMessage(tr("Load finished: %1").arg(m_loadPanel->form()->countersText()));
        finishCloseIfDone();
    });
    connect(runner, &LoadgenRunner::failed, this, [this](const QString &reason) {
        if (!m_closeRequested)
            showError(tr("Load failed"), reason);
        finishCloseIfDone();
    });
    connect(m_loadPanel, &LoadPanel::errorReported, this, &MainWindow::showError);
    connect(m_loadPanel, &LoadPanel::statusReported, statusBar(), &QStatusBar::showMessage);
}

void MainWindow::updateActions()
{
    const Cluster::State state = m_cluster->state();
    const bool running = state == Cluster::State::Running;
    m_startAction->setEnabled(state == Cluster::State::Stopped && !m_closeRequested);
    m_stopAction->setEnabled(state == Cluster::State::Running || state == Cluster::State::Starting);
    m_addWebSocketAction->setEnabled(running);
    m_addCometAction->setEnabled(running);
    m_openWebClientAction->setEnabled(running);
    m_showNginxConfigAction->setEnabled(running);
    m_thesisAction->setEnabled(running);
    m_loadPanel->setStartEnabled(running);
    const QString selected = selectedNode();
    const int row = m_model->rowOf(selected);
    const bool worker = running && row >= 0 && isWorkerRole(m_model->nodeAt(row).role);
    m_stopNodeButton->setEnabled(worker);
    m_killNodeButton->setEnabled(worker);
    m_restartNodeButton->setEnabled(worker);
    m_startProgress->setVisible(state == Cluster::State::Starting);
    switch (state) {
    case Cluster::State::Stopped:
        m_stateLabel->setText(tr("Stopped"));
        break;
    case Cluster::State::Starting:
        m_stateLabel->setText(tr("Starting"));
        break;
    case Cluster::State::Running:
        m_stateLabel->setText(tr("Running on port %1").arg(m_cluster->port()));
        break;
    case Cluster::State::Stopping:
        m_stateLabel->setText(tr("Stopping"));
        break;
    }
}

void MainWindow::showError(const QString &title, const QString &text)
{
    statusBar()->showMessage(title + QStringLiteral(": ") + text.section(QLatin1Char('\n'), 0, 0));
    // Window-modal and opened, not exec()'d: the event loop (and the cluster) keeps running.
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QString MainWindow::selectedNode() const
{
    if (!m_table || !m_table->selectionModel())
        return {};
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : m_model->nodeAt(rows.first().row()).name;
}

bool MainWindow::stopNode(const QString &name, QString *error)
{
    if (!m_cluster->removeNode(name, error))
        return false;
    statusBar()->showMessage(tr("Stopping %1").arg(name), kStatusMs);
    return true;
}

bool MainWindow::killNode(const QString &name, QString *error)
{
    if (!m_cluster->killNode(name, error))
        return false;
    m_loadPanel->markFault(tr("%1 killed").arg(name));
    statusBar()->showMessage(tr("Killed %1").arg(name), kStatusMs);
    return true;
}

void MainWindow::handleStartTriggered()
{
    if (m_cluster->state() != Cluster::State::Stopped)
        return;
    m_model->clear();
    m_cluster->start();
    updateActions();
}

void MainWindow::handleStopTriggered()
{
    if (m_loadPanel->runner()->isRunning())
        m_loadPanel->runner()->stop();
    m_cluster->stop();
    updateActions();
}

void MainWindow::handleAddNode(util::Role role)
{
    QString error;
    if (!m_cluster->addNode(role, &error))
        showError(tr("Cannot add a node"), error);
    else
        statusBar()->showMessage(tr("Adding a %1 node").arg(util::roleName(role)), kStatusMs);
    m_model->handleStatsUpdated(m_cluster->nodes());
}

void MainWindow::handleOpenWebClient()
{
    if (!QDesktopServices::openUrl(QUrl(m_cluster->publicUrl())))
        showError(tr("Cannot open the web client"), tr("No browser opened %1").arg(m_cluster->publicUrl()));
}

void MainWindow::handleShowNginxConfig()
{
    const QString text = m_cluster->nginxConfigText();
    if (text.isEmpty()) {
        statusBar()->showMessage(tr("nginx has no configuration yet"), kStatusMs);
        return;
    }
    auto *dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("nginx configuration"));
    auto *edit = new QPlainTextEdit(text, dialog);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(QFont(QStringLiteral("monospace")));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(edit);
    layout->addWidget(buttons);
    dialog->resize(800, 600);
    dialog->show();
}

void MainWindow::handleStopNodeClicked()
{
    QString error;
    const QString name = selectedNode();
    if (!name.isEmpty() && !stopNode(name, &error))
        showError(tr("Cannot stop %1").arg(name), error);
}

void MainWindow::handleKillNodeClicked()
{
    QString error;
    const QString name = selectedNode();
    if (!name.isEmpty() && !killNode(name, &error))
        showError(tr("Cannot kill %1").arg(name), error);
}

void MainWindow::handleRestartNodeClicked()
{
    QString error;
    const QString name = selectedNode();
    if (name.isEmpty())
        return;
    if (!m_cluster->restartNode(name, &error)) {
        showError(tr("Cannot restart %1").arg(name), error);
        return;
    }
    statusBar()->showMessage(tr("Restarting %1").arg(name), kStatusMs);
}

void MainWindow::handleTableContextMenu(const QPoint &position)
{
    const QModelIndex index = m_table->indexAt(position);
    if (!index.isValid() || m_cluster->state() != Cluster::State::Running)
        return;
    const control::NodeStatus node = m_model->nodeAt(index.row());
    if (!isWorkerRole(node.role))
        return;
    m_table->selectRow(index.row());
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(tr("Restart %1").arg(node.name), this, &MainWindow::handleRestartNodeClicked);
    menu->addAction(tr("Stop %1").arg(node.name), this, &MainWindow::handleStopNodeClicked);
    menu->addAction(tr("Kill %1").arg(node.name), this, &MainWindow::handleKillNodeClicked);
    menu->popup(m_table->viewport()->mapToGlobal(position));
}

void MainWindow::handleClusterProgress(const QString &step)
{
    statusBar()->showMessage(step);
    updateActions();
}

void MainWindow::handleClusterStarted()
{
    statusBar()->showMessage(tr("Cluster running: %1").arg(m_cluster->publicUrl()), kStatusMs);
    m_model->handleStatsUpdated(m_cluster->nodes());
    updateActions();
}

void MainWindow::handleClusterStartFailed(const QString &reason)
{
    updateActions();
    showError(tr("The cluster did not start"), reason);
}

void MainWindow::handleClusterFailed(const QString &reason)
{
    updateActions();
    showError(tr("The cluster failed"), reason);
}

void MainWindow::handleClusterStopped()
{
    if (m_loadPanel->runner()->isRunning())
        m_loadPanel->runner()->stop(); // nothing left to measure
    m_model->clear();
    updateActions();
    statusBar()->showMessage(tr("Cluster stopped"), kStatusMs);
    finishCloseIfDone();
}

void MainWindow::handleNodeExited(const QString &name, const QString &description, const QStringList &stderrTail,
                                  bool killed)
{
    m_model->handleStatsUpdated(m_cluster->nodes());
    // Kills from this window, and the whole cluster stopping, are not news.
    if (killed || m_cluster->state() != Cluster::State::Running) {
        statusBar()->showMessage(tr("%1 %2").arg(name, description), kStatusMs);
        return;
    }
    // A node that dies on its own during a load is a fault like a kill: on the chart too.
    m_loadPanel->markFault(tr("%1 exited").arg(name));
    QString text = tr("%1 %2").arg(name, description);
    if (!stderrTail.isEmpty())
        text += QStringLiteral("\n\n") + stderrTail.join(QLatin1Char('\n'));
    showError(tr("A node exited"), text);
}

void MainWindow::handleRunThesis()
{
    m_loadPanel->startThesis();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const bool busy = m_cluster->state() != Cluster::State::Stopped || m_loadPanel->runner()->isRunning();
    if (m_readyToClose || !busy) {
        QSettings settings;
        settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
        m_loadPanel->saveSettings();
        event->accept();
        return;
    }
    event->ignore();
    if (m_closeRequested)
        return; // already stopping; the close follows the stop
    if (m_confirmClose
        && QMessageBox::question(this, tr("Quit"), tr("The cluster is running. Stop it and quit?"))
               != QMessageBox::Yes)
        return;
    // Stop is asynchronous (graceful, then SIGKILL): close once both have ended.
    m_closeRequested = true;
    statusBar()->showMessage(tr("Stopping everything before quitting"));
    if (m_loadPanel->runner()->isRunning())
        m_loadPanel->runner()->stop();
    m_cluster->stop();
    updateActions();
    QTimer::singleShot(kCloseTimeoutMs, this, [this] {
        m_readyToClose = true;
        close();
    });
    finishCloseIfDone();
}

void MainWindow::finishCloseIfDone()
{
    if (!m_closeRequested || m_readyToClose)
        return;
    if (m_cluster->state() != Cluster::State::Stopped || m_loadPanel->runner()->isRunning())
        return;
    m_readyToClose = true;
    // Queued: we may be inside a signal of the cluster or the runner.
    QTimer::singleShot(0, this, &QWidget::close);
}

} // namespace duplex::gui
