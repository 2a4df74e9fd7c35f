#include "panel/paneldemo.h"

#include "control/cluster.h"
#include "control/loadgenrunner.h"
#include "panel/loadform.h"
#include "panel/loadpanel.h"
#include "panel/mainwindow.h"

#include <QAction>
#include <QPixmap>
#include <QPushButton>
#include <QTimer>

namespace duplex::gui {

PanelDemo::PanelDemo(MainWindow *window, QString screenshotPath, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_path(std::move(screenshotPath))
{
}

void PanelDemo::start()
{
    connect(m_window->cluster(), &control::Cluster::started, this, &PanelDemo::handleClusterStarted);
    connect(m_window->cluster(), &control::Cluster::startFailed, this,
            [this](const QString &reason) { emit finished(false, QStringLiteral("the cluster did not start: %1").arg(reason)); });
    connect(m_window->loadPanel()->runner(), &control::LoadgenRunner::finished, this, &PanelDemo::handleLoadFinished);
    connect(m_window->loadPanel()->runner(), &control::LoadgenRunner::failed, this,
            [this](const QString &reason) { emit finished(false, QStringLiteral("the load failed: %1").arg(reason)); });
    m_window->startAction()->trigger();
}

void PanelDemo::handleClusterStarted()
{
    // The thesis preset, made long enough that the chart shows a few seconds of it.
    m_window->loadPanel()->form()->applyThesisPreset();
    loadgen::LoadOptions options = m_window->loadPanel()->form()->options();
    options.messages = 1000;
    options.rate = 100;
    m_window->loadPanel()->form()->setOptions(options);
    // Once the process table has filled in.
    QTimer::singleShot(1500, this, [this] { m_window->loadPanel()->form()->startButton()->click(); });
}

void PanelDemo::handleLoadFinished()
{
    // Let the last interval and the summary reach the widgets before the picture.
    QTimer::singleShot(1000, this, [this] {
        const QPixmap picture = m_window->grab();
        const bool ok = !picture.isNull() && picture.save(m_path, "PNG");
        emit finished(ok, ok ? QString() : QStringLiteral("cannot write %1").arg(m_path));
    });
}

} // namespace duplex::gui
