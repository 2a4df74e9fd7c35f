#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

class QTcpSocket;

namespace duplex::attack {

// A WebSocket client on a bare QTcpSocket, for what a well-behaved client (QWebSocket,
// client::WebSocketClient) cannot do: complete the handshake and then never read, or write
// frames of its own making (pings, malformed text) as fast as the socket takes them.
// Nothing here blocks: opened() follows the first bytes of the server's answer.
class RawWebSocket final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RawWebSocket)

public:
    // Discard: reads and drops whatever arrives. Never: stops reading after the handshake,
    // with Qt's read buffer and the kernel's receive buffer at 4 KiB, so the server's
    // writes pile up on its side.
    enum class Reading { Discard, Never };

    // `target` is the request target, "/ws/?presence=0&channel=x".
    RawWebSocket(QString host, quint16 port, QByteArray target, Reading reading, QObject *parent = nullptr);
    ~RawWebSocket() override;

    // Connects and sends the handshake; answered by opened() or closed().
    void open();
    // Drops the connection; closed() is not emitted for it.
    void abort();
    // Queues `bytes` (whole frames) for writing; false when not open.
    bool write(const QByteArray &bytes);
    // Bytes queued and not yet taken by the kernel.
    qint64 bytesToWrite() const;
    bool isOpen() const { return m_open; }

    // A masked client frame with the mask key 0, so the payload goes as is; `fin` unset
    // makes it a fragment that a continuation frame (opcode 0) ends.
    static QByteArray maskedFrame(quint8 opcode, const QByteArray &payload, bool fin = true);

signals:
    // The server answered the handshake with 101.
    void opened();
    // The connection failed, was refused or was closed by the server.
    void closed();

private:
    void handleReadyRead();
    void handleDisconnected();

    QString m_host;
    quint16 m_port;
    QByteArray m_target;
    Reading m_reading;
    QTcpSocket *m_socket = nullptr;
    bool m_open = false;
};

} // namespace duplex::attack
