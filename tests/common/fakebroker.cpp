#include "fakebroker.h"

#include <QJsonDocument>
#include <QTcpSocket>
#include <QTest>

FakeBroker::FakeBroker()
{
    m_server.listen(QHostAddress::LocalHost, 0);
    QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            if (m_node && m_node->state() == QAbstractSocket::ConnectedState) {
                socket->abort(); // one node at a time
                continue;
            }
            if (m_node)
                m_node->deleteLater();
            m_node = socket;
            ++m_connections;
            QObject::connect(socket, &QTcpSocket::readyRead, &m_server, [this] { handleReadyRead(); });
        }
    });
}

FakeBroker::~FakeBroker() = default;

bool FakeBroker::waitForFrames(int count, int timeoutMs) const
{
    return QTest::qWaitFor([this, count] { return m_frames.size() >= count; }, timeoutMs);
}

void FakeBroker::dropNode()
{
    if (m_node)
        m_node->abort();
}

void FakeBroker::write(const QByteArray &bytes)
{
    if (!m_node)
        return;
    m_node->write(bytes);
    m_node->flush();
}

void FakeBroker::sendReady(const QHash<QString, qint64> &heads)
{
    QJsonObject object;
    for (auto it = heads.cbegin(); it != heads.cend(); ++it)
        object.insert(it.key(), it.value());
    const QJsonObject ready{{QStringLiteral("op"), QStringLiteral("ready")},
                            {QStringLiteral("heads"), object},
                            {QStringLiteral("history"), 100}};
    write(QJsonDocument(ready).toJson(QJsonDocument::Compact) + '\n');
}

void FakeBroker::handleReadyRead()
{
    // Qt's own line splitting, not the bus's: the fake shares no code with what it tests.
    while (m_node->canReadLine()) {
        QByteArray line = m_node->readLine();
        line.chop(1);
        m_frames << QJsonDocument::fromJson(line).object();
    }
}
