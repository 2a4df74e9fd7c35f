#include "attack/rawwebsocket.h"

#include <QHostAddress>
#include <QTcpSocket>

namespace duplex::attack {

namespace {

constexpr qint64 kNonReaderBuffer = 4096;

} // namespace

RawWebSocket::RawWebSocket(QString host, quint16 port, QByteArray target, Reading reading, QObject *parent)
    : QObject(parent)
    , m_host(std::move(host))
    , m_port(port)
    , m_target(std::move(target))
    , m_reading(reading)
{
}

RawWebSocket::~RawWebSocket() = default;

void RawWebSocket::open()
{
    abort();
    m_socket = new QTcpSocket(this);
    if (m_reading == Reading::Never) {
        m_socket->setReadBufferSize(kNonReaderBuffer);
        m_socket->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, int(kNonReaderBuffer));
    }
    QTcpSocket *socket = m_socket;
    connect(socket, &QTcpSocket::connected, this, [this, socket] {
        socket->write("GET " + m_target + " HTTP/1.1\r\nHost: " + m_host.toLatin1() +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    });
    connect(socket, &QTcpSocket::readyRead, this, &RawWebSocket::handleReadyRead);
    connect(socket, &QTcpSocket::disconnected, this, &RawWebSocket::handleDisconnected);
    connect(socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        // A refused or failed connect never emits disconnected.
        if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState)
            handleDisconnected();
    });
    socket->connectToHost(m_host, m_port);
}

void RawWebSocket::abort()
{
    m_open = false;
    if (!m_socket)
        return;
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

bool RawWebSocket::write(const QByteArray &bytes)
{
    if (!m_open || !m_socket)
        return false;
    return m_socket->write(bytes) == bytes.size();
}

qint64 RawWebSocket::bytesToWrite() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

QByteArray RawWebSocket::maskedFrame(quint8 opcode, const QByteArray &payload, bool fin)
{
    QByteArray frame;
    frame += char((fin ? 0x80 : 0) | (opcode & 0x0f));
    const qint64 size = payload.size();
    if (size < 126) {
        frame += char(0x80 | size);
    } else if (size <= 0xffff) {
        frame += char(0x80 | 126);
        frame += char((size >> 8) & 0xff);
        frame += char(size & 0xff);
    } else {
        frame += char(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            frame += char((size >> shift) & 0xff);
    }
    frame += QByteArray(4, '\0'); // mask key 0: the payload as is
    return frame + payload;
}

void RawWebSocket::handleReadyRead()
{
    if (!m_socket)
        return;
    if (!m_open) {
        // The status line decides; a non-reader peeks at it and leaves the rest unread.
        const QByteArray head = m_socket->peek(12);
        if (head.size() < 12)
            return;
        if (!head.startsWith("HTTP/1.1 101")) {
            abort();
            emit closed();
            return;
        }
        m_open = true;
        if (m_reading == Reading::Discard)
            m_socket->readAll();
        emit opened();
        return;
    }
    if (m_reading == Reading::Discard)
        m_socket->readAll();
}

void RawWebSocket::handleDisconnected()
{
    if (!m_socket)
        return;
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    m_open = false;
    socket->disconnect(this);
    socket->deleteLater();
    emit closed();
}

} // namespace duplex::attack
