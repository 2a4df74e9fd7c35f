#pragma once

#include <QObject>
#include <QString>

namespace duplex::gui {

class MainWindow;

// Drives a MainWindow the way a user would for the README's picture: starts the cluster,
// runs the thesis preset, and once the run has finished saves a screenshot of the window.
class PanelDemo final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PanelDemo)

public:
    PanelDemo(MainWindow *window, QString screenshotPath, QObject *parent = nullptr);

    void start();

signals:
    // The screenshot was written (ok) or the demo could not run (reason).
    void finished(bool ok, const QString &reason);

private:
    void handleClusterStarted();
    void handleLoadFinished();

    MainWindow *m_window;
    QString m_path;
};

} // namespace duplex::gui
