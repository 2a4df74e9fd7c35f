// duplex-panel: the control panel over the cluster (gui/panel/mainwindow.h).
#include "panel/mainwindow.h"
#include "panel/paneldemo.h"

#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Duplex"));
    QCoreApplication::setApplicationName(QStringLiteral("duplex-panel"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Duplex control panel"));
    parser.addHelpOption();
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("nginx's public port (0: any free one)."),
                                  QStringLiteral("port"), QStringLiteral("8080"));
    const QCommandLineOption ws(QStringLiteral("ws"), QStringLiteral("WebSocket nodes."), QStringLiteral("n"),
                                QStringLiteral("2"));
    const QCommandLineOption comet(QStringLiteral("comet"), QStringLiteral("Comet nodes."), QStringLiteral("n"),
                                   QStringLiteral("2"));
    const QCommandLineOption restart(QStringLiteral("restart"), QStringLiteral("Restart nodes that die."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Start the cluster, run the thesis preset, save a picture of the window to FILE and quit."),
                                        QStringLiteral("file"));
    parser.addOptions({port, ws, comet, restart, screenshot});
    parser.process(app);

    duplex::control::ClusterConfig config;
    config.port = quint16(parser.value(port).toUInt());
    config.webSocketNodes = parser.value(ws).toInt();
    config.cometNodes = parser.value(comet).toInt();
    config.restart = parser.isSet(restart);
    // The panel is installed next to the servers it starts.
    config.binDir = QCoreApplication::applicationDirPath();

    duplex::gui::MainWindow window(config);
    window.resize(1280, 800);
    window.show();
    if (parser.isSet(screenshot)) {
        window.setConfirmClose(false);
        auto *demo = new duplex::gui::PanelDemo(&window, parser.value(screenshot), &window);
        int exitCode = 0;
        QObject::connect(demo, &duplex::gui::PanelDemo::finished, &window, [&window, &exitCode](bool ok, const QString &reason) {
            if (!ok) {
                std::fprintf(stderr, "duplex-panel: %s\n", qPrintable(reason));
                exitCode = 1;
            }
            window.close(); // stops the cluster; the application ends with its last window
        });
        demo->start();
        const int status = app.exec();
        return exitCode != 0 ? exitCode : status;
    }
    return app.exec();
}
