#pragma once

#include "control/cluster.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace duplex::control {
class LogBuffer;
} // namespace duplex::control

namespace duplex::gui {

class LoadPanel;
class LogView;
class ProcessTableModel;

// duplex-panel's window: a view over one Cluster, with a LoadPanel for the load generator.
// It turns clicks into the core's commands and shows what the core signals; nothing here
// knows about processes, the protocol or nginx.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(const control::ClusterConfig &config, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Whether closing with a running cluster asks first; off when DUPLEX_PANEL_NO_CONFIRM=1.
    bool confirmClose() const { return m_confirmClose; }
    void setConfirmClose(bool confirm) { m_confirmClose = confirm; }

    // Commands of the row buttons and context menu; false with *error set when refused.
    bool stopNode(const QString &name, QString *error);
    bool killNode(const QString &name, QString *error);

    control::Cluster *cluster() const { return m_cluster; }
    control::LogBuffer *logBuffer() const { return m_logs; }
    ProcessTableModel *processModel() const { return m_model; }
    QTableView *processTable() const { return m_table; }
    LoadPanel *loadPanel() const { return m_loadPanel; }
    LogView *logView() const { return m_logView; }
    QAction *startAction() const { return m_startAction; }
    QAction *stopAction() const { return m_stopAction; }
    QAction *addWebSocketAction() const { return m_addWebSocketAction; }
    QAction *addCometAction() const { return m_addCometAction; }
    QAction *openWebClientAction() const { return m_openWebClientAction; }
    QAction *showNginxConfigAction() const { return m_showNginxConfigAction; }
    QAction *thesisAction() const { return m_thesisAction; }
    QPushButton *stopNodeButton() const { return m_stopNodeButton; }
    QPushButton *killNodeButton() const { return m_killNodeButton; }
    QPushButton *restartNodeButton() const { return m_restartNodeButton; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    QWidget *createProcessPanel();
    void connectCluster();
    void connectLoadPanel();
    void updateActions();
    void showError(const QString &title, const QString &text);
    QString selectedNode() const;
    void finishCloseIfDone();

    void handleStartTriggered();
    void handleStopTriggered();
    void handleAddNode(util::Role role);
    void handleOpenWebClient();
    void handleShowNginxConfig();
    void handleStopNodeClicked();
    void handleKillNodeClicked();
    void handleRestartNodeClicked();
    void handleTableContextMenu(const QPoint &position);
    void handleClusterProgress(const QString &step);
    void handleClusterStarted();
    void handleClusterStartFailed(const QString &reason);
    void handleClusterFailed(const QString &reason);
    void handleClusterStopped();
    void handleNodeExited(const QString &name, const QString &description, const QStringList &stderrTail, bool killed);
    void handleRunThesis();

    control::Cluster *m_cluster;
    control::LogBuffer *m_logs;
    ProcessTableModel *m_model;
    QTableView *m_table = nullptr;
    LoadPanel *m_loadPanel = nullptr;
    LogView *m_logView = nullptr;
    QAction *m_startAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_addWebSocketAction = nullptr;
    QAction *m_addCometAction = nullptr;
    QAction *m_openWebClientAction = nullptr;
    QAction *m_showNginxConfigAction = nullptr;
    QAction *m_thesisAction = nullptr;
    QPushButton *m_stopNodeButton = nullptr;
    QPushButton *m_killNodeButton = nullptr;
    QPushButton *m_restartNodeButton = nullptr;
    QLabel *m_stateLabel = nullptr;
    QProgressBar *m_startProgress = nullptr;
    bool m_confirmClose = true;
    bool m_closeRequested = false;
    bool m_readyToClose = false;
};

} // namespace duplex::gui
