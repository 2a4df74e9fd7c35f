// The broker in process with real bus links on loopback: sequencing across nodes, a wrong
// secret refused, and its counters, which never go down when a node leaves.
#include "bus/brokerserver.h"
#include "bus/busclient.h"
#include "metrics/metrics.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>

#include <memory>
#include <vector>

using duplex::bus::BrokerServer;
using duplex::bus::BusClient;
using duplex::protocol::Event;

namespace {

const QByteArray kSecret = QByteArrayLiteral("0123456789abcdef0123456789abcdef");

double metric(BrokerServer &broker, const QByteArray &name)
{
    return duplex::metrics::Metrics::parse(broker.metrics().render()).value(name, -1);
}

Event message(const QString &text)
{
    Event e;
    e.channel = QStringLiteral("main");
    e.clientId = QStringLiteral("0123456789abcdef");
    e.data = text;
    return e;
}

} // namespace

class TestBroker : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void everyNodeGetsEveryEventInOneOrder();
    void wrongSecretIsRefused();
    void relayedCounterNeverGoesDown();
    void longLineBeforeHelloIsRefused();
    void strangersWaitingForHelloAreCapped();

private:
    // A node link, ready (authenticated) or null with a failure recorded.
    std::unique_ptr<BusClient> connectNode(const QString &name, const QByteArray &secret = kSecret);

    std::unique_ptr<BrokerServer> m_broker;
    quint16 m_port = 0;
};

void TestBroker::init()
{
    m_broker = std::make_unique<BrokerServer>(kSecret, 100);
    QString error;
    m_port = m_broker->listen(QHostAddress::LocalHost, 0, &error);
    QVERIFY2(m_port != 0, qPrintable(error));
}

void TestBroker::cleanup()
{
    m_broker.reset();
}

std::unique_ptr<BusClient> TestBroker::connectNode(const QString &name, const QByteArray &secret)
{
    auto node = std::make_unique<BusClient>(name, secret);
    QSignalSpy ready(node.get(), &BusClient::ready);
    node->connectToBroker(QHostAddress::LocalHost, m_port);
    if (!ready.wait(5000) && ready.isEmpty())
        return nullptr;
    return node;
}

void TestBroker::everyNodeGetsEveryEventInOneOrder()
{
    auto a = connectNode(QStringLiteral("ws-1"));
    auto b = connectNode(QStringLiteral("comet-1"));
    QVERIFY(a && b);
    QSignalSpy atA(a.get(), &BusClient::eventReceived);
    QSignalSpy atB(b.get(), &BusClient::eventReceived);
    a->publish(message(QStringLiteral("one")));
    b->publish(message(QStringLiteral("two")));
    a->publish(message(QStringLiteral("three")));
    QTRY_COMPARE_WITH_TIMEOUT(atA.size(), 3, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(atB.size(), 3, 5000);
    for (int i = 0; i < 3; ++i) {
        const auto seqA = atA.at(i).at(0).value<duplex::protocol::Sequenced>().event.seq;
        const auto seqB = atB.at(i).at(0).value<duplex::protocol::Sequenced>().event.seq;
        QCOMPARE(seqA, qint64(i + 1));
        QCOMPARE(seqB, seqA);
    }
    // Each event names the node it came from, for the publisher's ack (the two nodes'
    // publishes race: which seq each gets is the broker's choice).
    for (const QList<QVariant> &args : atB) {
        const QString data = args.at(0).value<duplex::protocol::Sequenced>().event.data.toString();
        QCOMPARE(args.at(1).toString(), data == QLatin1String("two") ? QStringLiteral("comet-1") : QStringLiteral("ws-1"));
    }
}

void TestBroker::wrongSecretIsRefused()
{
    QSignalSpy refused(m_broker.get(), &BrokerServer::nodeRefused);
    BusClient intruder(QStringLiteral("ws-9"), QByteArrayLiteral("not-the-secret-not-the-secret-xx"));
    QSignalSpy failed(&intruder, &BusClient::failed);
    intruder.connectToBroker(QHostAddress::LocalHost, m_port);
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 5000);
    QCOMPARE(m_broker->nodeCount(), 0);
}

void TestBroker::relayedCounterNeverGoesDown()
{
    auto a = connectNode(QStringLiteral("ws-1"));
    auto b = connectNode(QStringLiteral("ws-2"));
    QVERIFY(a && b);
    QSignalSpy atA(a.get(), &BusClient::eventReceived);
    for (int i = 0; i < 3; ++i)
        a->publish(message(QString::number(i)));
    QTRY_COMPARE_WITH_TIMEOUT(atA.size(), 3, 5000);
    QCOMPARE(metric(*m_broker, "duplex_events_in_total"), 3.0);
    QCOMPARE(metric(*m_broker, "duplex_events_out_total"), 6.0);
    // The history holds the three events' JSON, and says how much.
    QVERIFY(metric(*m_broker, "duplex_history_bytes") > 3 * 50);

    QSignalSpy gone(m_broker.get(), &BrokerServer::nodeDisconnected);
    b.reset();
    QTRY_COMPARE_WITH_TIMEOUT(gone.size(), 1, 5000);
    QCOMPARE(metric(*m_broker, "duplex_events_out_total"), 6.0);
    a->publish(message(QStringLiteral("after")));
    QTRY_COMPARE_WITH_TIMEOUT(atA.size(), 4, 5000);
    QCOMPARE(metric(*m_broker, "duplex_events_out_total"), 7.0);
}

void TestBroker::longLineBeforeHelloIsRefused()
{
    // A stranger's endless line: refused once it passes a hello's 4096 bytes, not read on
    // to the 16 MiB a node's line may have.
    QSignalSpy refused(m_broker.get(), &BrokerServer::nodeRefused);
    QTcpSocket stranger;
    stranger.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(stranger.waitForConnected(5000));
    stranger.write(QByteArray(4097, 'x'));
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, 5000);
    QVERIFY2(refused.first().at(1).toString().contains(QLatin1String("hello longer than 4096")),
             qPrintable(refused.first().at(1).toString()));
    QTRY_COMPARE_WITH_TIMEOUT(stranger.state(), QAbstractSocket::UnconnectedState, 5000);

    // A hello of an ordinary size still gets its answer (here: the wrong secret).
    QTcpSocket node;
    node.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(node.waitForConnected(5000));
    node.write(R"({"op":"hello","node":"ws-1","secret":"wrong"})" "\n");
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 2, 5000);
    QVERIFY2(!refused.last().at(1).toString().contains(QLatin1String("longer")), qPrintable(refused.last().at(1).toString()));
}

void TestBroker::strangersWaitingForHelloAreCapped()
{
    // 64 connections may wait for their hello; the 65th is closed at once and counted.
    std::vector<std::unique_ptr<QTcpSocket>> strangers;
    for (int i = 0; i < 65; ++i) {
        strangers.push_back(std::make_unique<QTcpSocket>());
        strangers.back()->connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(strangers.back()->waitForConnected(5000));
    }
    QTRY_COMPARE_WITH_TIMEOUT(metric(*m_broker, "duplex_bus_connections_refused_total"), 1.0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(strangers.back()->state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(metric(*m_broker, "duplex_connections"), 64.0);
    // Once they are gone, a node joins as ever.
    strangers.clear();
    QTRY_COMPARE_WITH_TIMEOUT(metric(*m_broker, "duplex_connections"), 0.0, 5000);
    QVERIFY(connectNode(QStringLiteral("ws-1")));
}

QTEST_GUILESS_MAIN(TestBroker)
#include "tst_broker.moc"
