#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QTcpServer>

class QTcpSocket;

// The broker's end of the bus, played by a test: it listens on loopback, takes one node at
// a time (a new connection once the last one is closed: a node that reconnects), keeps
// every frame the node sends (parsed) and writes whatever bytes the test gives it, so a
// test decides exactly what a node reads and sees exactly what the node asks.
class FakeBroker final
{
    Q_DISABLE_COPY_MOVE(FakeBroker)

public:
    FakeBroker();
    ~FakeBroker();

    quint16 port() const { return m_server.serverPort(); }
    // The node's socket as this side sees it; null before the node connects.
    QTcpSocket *node() const { return m_node; }

    // Connections taken so far.
    int connections() const { return m_connections; }
    // Cuts the node off at once (a reset), as the broker drops a node that lags.
    void dropNode();
    // Stops taking connections: a broker gone for good.
    void close() { m_server.close(); }

    // Waits until the node has sent `count` frames in all; false on timeout.
    bool waitForFrames(int count, int timeoutMs = 5000) const;
    const QList<QJsonObject> &frames() const { return m_frames; }

    // Writes `bytes` to the node as they are (no newline added) and flushes them.
    void write(const QByteArray &bytes);
    // The broker's answer to a hello.
    void sendReady(const QHash<QString, qint64> &heads = {});

private:
    void handleReadyRead();

    QTcpServer m_server;
    QTcpSocket *m_node = nullptr;
    QList<QJsonObject> m_frames;
    int m_connections = 0;
};
