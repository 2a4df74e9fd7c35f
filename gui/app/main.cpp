// duplex-panel: the control panel over the cluster (gui/panel/mainwindow.h).
#include "panel/mainwindow.h"

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
    parser.addOptions({port, ws, comet, restart});
    parser.process(app);

    duplex::control::ClusterConfig config;
    config.port = quint16(parser.value(port).toUInt());
    config.webSocketNodes = parser.value(ws).toInt();
    config.cometNodes = parser.value(comet).toInt();
    config.restart = parser.isSet(restart);
    // The panel is installed next to the servers it starts.
    config.binDir = QCoreApplication::applicationDirPath();

    duplex::gui::MainWindow window(config);
    window.show();
    return app.exec();
}
