// The broker in process with real bus links on loopback: sequencing across nodes, a wrong
// secret refused, its counters, which never go down when a node leaves, a node that stops
// reading dropped at the lag bound, and the handshake's heads in bounded lines.
#include "bus/brokerserver.h"
#include "bus/busclient.h"
#include "metrics/metrics.h"

#include <QJsonDocument>
#include <QJsonObject>
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
    void nodeThatStopsReadingIsDropped();
    void headsComeInChunks_data();
    void headsComeInChunks();

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

void TestBroker::nodeThatStopsReadingIsDropped()
{
    constexpr qint64 kBound = 1024 * 1024;
    m_broker->setMaxNodeLag(kBound);
    QSignalSpy dropped(m_broker.get(), &BrokerServer::nodeDropped);
    auto reader = connectNode(QStringLiteral("ws-1"));
    QVERIFY(reader);
    // A node that says hello and then reads no more: Qt holds at most 4 KiB for it and the
    // kernel a small window, so the rest piles up in the broker.
    QTcpSocket stalled;
    stalled.setReadBufferSize(4096);
    stalled.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
    stalled.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(stalled.waitForConnected(5000));
    stalled.write(R"({"op":"hello","node":"ws-2","secret":")" + kSecret + "\"}\n");
    QTRY_COMPARE_WITH_TIMEOUT(m_broker->nodeCount(), 2, 5000);

    // 16 KiB events in batches the reader takes as they come, until the stalled node is cut
    // off: the reader is never more than a batch behind, so it stays.
    QSignalSpy atReader(reader.get(), &BusClient::eventReceived);
    const QString payload(16 * 1024, QLatin1Char('x'));
    int sent = 0;
    double largestBacklog = 0;
    while (dropped.isEmpty() && sent < 4000) {
        for (int i = 0; i < 16; ++i, ++sent)
            reader->publish(message(payload));
        QTRY_COMPARE_WITH_TIMEOUT(atReader.size(), sent, 10000);
        largestBacklog = std::max(largestBacklog, metric(*m_broker, "duplex_bus_node_backlog_bytes"));
    }
    QCOMPARE(dropped.size(), 1);
    QCOMPARE(dropped.first().at(0).toString(), QStringLiteral("ws-2"));
    QVERIFY2(dropped.first().at(1).toString().contains(QLatin1String("--max-node-lag")),
             qPrintable(dropped.first().at(1).toString()));
    QCOMPARE(metric(*m_broker, "duplex_bus_nodes_dropped_total"), 1.0);
    QCOMPARE(m_broker->nodeCount(), 1);
    // The backlog never passed the bound by more than the batch that tipped it.
    QVERIFY2(largestBacklog <= kBound + 16 * 20 * 1024, qPrintable(QString::number(largestBacklog)));
    QVERIFY(metric(*m_broker, "duplex_bus_node_backlog_bytes") < kBound);
    // Reading again, the node finds what the kernel still held for it, then the reset.
    stalled.setReadBufferSize(0);
    QTRY_VERIFY_WITH_TIMEOUT((stalled.readAll(), stalled.state() == QAbstractSocket::UnconnectedState), 5000);

    // The reader goes on receiving everything.
    reader->publish(message(QStringLiteral("after")));
    QTRY_COMPARE_WITH_TIMEOUT(atReader.size(), sent + 1, 5000);
    QCOMPARE(atReader.last().at(0).value<duplex::protocol::Sequenced>().event.seq, qint64(sent + 1));
}

void TestBroker::headsComeInChunks_data()
{
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("chunk");
    QTest::addColumn<int>("headsLines");

    QTest::newRow("no channels: ready alone") << 0 << 100 << 0;
    QTest::newRow("one channel") << 1 << 100 << 1;
    QTest::newRow("exactly one chunk") << 100 << 100 << 1;
    QTest::newRow("5000 in chunks of 100") << 5000 << 100 << 50;
    QTest::newRow("5000 in chunks of 1000") << 5000 << 1000 << 5;
    QTest::newRow("5000 in chunks of 7") << 5000 << 7 << 715;
}

void TestBroker::headsComeInChunks()
{
    QFETCH(int, channels);
    QFETCH(int, chunk);
    QFETCH(int, headsLines);
    m_broker->setHeadsChunk(chunk);

    // Channel c<i> gets i % 3 + 1 events.
    auto publisher = connectNode(QStringLiteral("ws-1"));
    QVERIFY(publisher);
    QSignalSpy relayed(publisher.get(), &BusClient::eventReceived);
    int events = 0;
    for (int i = 0; i < channels; ++i) {
        for (int n = 0; n <= i % 3; ++n, ++events) {
            Event e = message(QStringLiteral("x"));
            e.channel = QStringLiteral("c%1").arg(i);
            publisher->publish(e);
        }
    }
    QTRY_COMPARE_WITH_TIMEOUT(relayed.size(), events, 20000);

    // The handshake as a node reads it: `heads` lines, each of at most `chunk` channels, then
    // `ready`.
    QTcpSocket node;
    node.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(node.waitForConnected(5000));
    node.write(R"({"op":"hello","node":"ws-2","secret":")" + kSecret + "\"}\n");
    QHash<QString, qint64> heads;
    int lines = 0;
    qsizetype longest = 0;
    bool ready = false;
    while (!ready) {
        QVERIFY(QTest::qWaitFor([&] { return node.canReadLine(); }, 5000));
        const QByteArray line = node.readLine();
        longest = std::max(longest, line.size());
        const QJsonObject frame = QJsonDocument::fromJson(line).object();
        const QString op = frame.value(QStringLiteral("op")).toString();
        ready = op == QLatin1String("ready");
        if (!ready) {
            QCOMPARE(op, QStringLiteral("heads"));
            ++lines;
        }
        const QJsonObject chunkHeads = frame.value(QStringLiteral("heads")).toObject();
        QVERIFY(chunkHeads.size() <= chunk);
        for (auto it = chunkHeads.begin(); it != chunkHeads.end(); ++it) {
            QVERIFY2(!heads.contains(it.key()), qPrintable(it.key()));
            heads.insert(it.key(), it.value().toInteger());
        }
    }
    QCOMPARE(lines, headsLines);
    QCOMPARE(heads.size(), channels);
    for (int i = 0; i < channels; ++i)
        QCOMPARE(heads.value(QStringLiteral("c%1").arg(i)), qint64(i % 3 + 1));
    // A line's length follows the chunk, never the channel count.
    QVERIFY2(longest <= 100 + qsizetype(chunk) * 40, qPrintable(QString::number(longest)));

    // A node's link puts the chunks together.
    auto late = std::make_unique<BusClient>(QStringLiteral("comet-1"), kSecret);
    QSignalSpy lateReady(late.get(), &BusClient::ready);
    late->connectToBroker(QHostAddress::LocalHost, m_port);
    QTRY_COMPARE_WITH_TIMEOUT(lateReady.size(), 1, 5000);
    const auto joined = lateReady.first().at(0).value<QHash<QString, qint64>>();
    QCOMPARE(joined, heads);
}

QTEST_GUILESS_MAIN(TestBroker)
#include "tst_broker.moc"
