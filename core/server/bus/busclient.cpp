#include "bus/busclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

namespace duplex::bus {

BusClient::BusClient(QString nodeName, QByteArray secret, QObject *parent)
    : QObject(parent)
    , m_nodeName(std::move(nodeName))
    , m_secret(std::move(secret))
    , m_socket(new QTcpSocket(this))
{
    connect(m_socket, &QTcpSocket::connected, this, &BusClient::handleConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &BusClient::handleReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this,
            [this] { fail(QStringLiteral("the broker closed the connection")); });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        fail(QStringLiteral("broker connection: %1").arg(m_socket->errorString()));
    });
}

void BusClient::connectToBroker(const QHostAddress &address, quint16 port)
{
    m_address = address;
    m_port = port;
    reconnect();
}

void BusClient::reconnect()
{
    m_failed = true; // the abort below is not news
    m_socket->abort();
    m_failed = false;
    m_ready = false;
    m_heads.clear();
    m_socket->connectToHost(m_address, m_port);
}

qint64 BusClient::publish(const protocol::Event &event, const QJsonValue &id)
{
    QJsonObject object = event.toJsonObject();
    object.remove(QStringLiteral("seq"));
    object.remove(QStringLiteral("ts"));
    QJsonObject frame{{QStringLiteral("op"), QStringLiteral("publish")}, {QStringLiteral("event"), object}};
    if (!id.isUndefined())
        frame.insert(QStringLiteral("id"), id);
    return send(frame);
}

qint64 BusClient::requestHistory(const QString &channel, qint64 since, int limit)
{
    return send({{QStringLiteral("op"), QStringLiteral("history")},
                 {QStringLiteral("channel"), channel},
                 {QStringLiteral("since"), since},
                 {QStringLiteral("limit"), limit}});
}

qint64 BusClient::send(const QJsonObject &frame)
{
    const qint64 ref = m_nextRef++;
    QJsonObject withRef = frame;
    withRef.insert(QStringLiteral("ref"), ref);
    m_socket->write(encodeLine(withRef));
    return ref;
}

void BusClient::handleConnected()
{
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->write(encodeLine({{QStringLiteral("op"), QStringLiteral("hello")},
                                {QStringLiteral("node"), m_nodeName},
                                {QStringLiteral("secret"), QString::fromUtf8(m_secret)}}));
}

void BusClient::handleReadyRead()
{
    while (!m_failed) {
        const LineRead read = readLine(m_socket);
        if (read.status == LineRead::Status::NeedMore)
            return;
        if (read.status == LineRead::Status::TooLong) {
            fail(QStringLiteral("the broker sent a line longer than %1 bytes").arg(kMaxLineBytes));
            return;
        }
        handleLine(read.line);
    }
}

void BusClient::handleLine(const QByteArray &line)
{
    const QJsonObject frame = QJsonDocument::fromJson(line).object();
    const QString op = frame.value(QStringLiteral("op")).toString();
    if (op == QLatin1String("event")) {
        RelayedEvent relayed;
        QString error;
        if (!decodeEvent(line, frame, &relayed, &error)) {
            fail(error);
            return;
        }
        emit eventReceived(relayed.sequenced, relayed.origin, relayed.ref);
    } else if (op == QLatin1String("history")) {
        HistoryReply reply;
        QString error;
        if (!decodeHistory(line, frame, &reply, &error)) {
            fail(error);
            return;
        }
        emit historyReceived(reply);
    } else if (op == QLatin1String("rejected")) {
        RejectedPublish rejected;
        if (!decodeRejected(frame, &rejected)) {
            fail(QStringLiteral("the broker sent a rejected frame without a ref"));
            return;
        }
        emit publishRejected(rejected.ref, rejected.reason);
    } else if (op == QLatin1String("duplicate")) {
        DuplicatePublish duplicate;
        if (!decodeDuplicate(frame, &duplicate)) {
            fail(QStringLiteral("the broker sent a duplicate frame without a ref or a seq"));
            return;
        }
        emit publishDuplicated(duplicate.ref, duplicate.seq);
    } else if (op == QLatin1String("heads") || op == QLatin1String("ready")) {
        // `heads` lines of a bounded number of channels each, then `ready` (which may
        // carry heads too).
        const QJsonObject object = frame.value(QStringLiteral("heads")).toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            m_heads.insert(it.key(), it.value().toInteger());
        if (op == QLatin1String("ready")) {
            m_ready = true;
            const QHash<QString, qint64> heads = std::move(m_heads);
            m_heads.clear();
            emit ready(heads);
        }
    } else if (op == QLatin1String("refused")) {
        fail(QStringLiteral("the broker refused this node: %1").arg(frame.value(QStringLiteral("reason")).toString()));
    } else {
        // The line itself (its start) says more than any guess at what is wrong with it.
        fail(QStringLiteral("the broker sent an unknown frame: %1").arg(QString::fromUtf8(line.left(200))));
    }
}

void BusClient::fail(const QString &reason)
{
    if (m_failed)
        return;
    m_failed = true;
    m_ready = false;
    m_heads.clear();
    // Nothing more is read from a link that failed: whatever follows would be read out of
    // context. abort() may report the close again; m_failed already says so.
    m_socket->abort();
    emit failed(reason);
}

} // namespace duplex::bus
