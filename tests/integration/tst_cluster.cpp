// The WebSocket surface of CONTRACT.md through real nginx, against a real cluster
// (broker, two WebSocket nodes, static node, nginx) started by the core's Cluster.
#include "client/httpconnection.h"
#include "control/cluster.h"
#include "metrics/metrics.h"
#include "testcluster.h"
#include "util/procstats.h"
#include "wsclient.h"

#include <QDir>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <csignal>
#include <memory>

using duplex::control::Cluster;
using duplex::util::Role;
using duplex::protocol::Event;
using duplex::protocol::EventType;

class TestCluster final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void clientsLandOnDifferentNodesAndShareSeq();
    void plainTextPublish();
    void ackCarriesId();
    void retriedIdIsSequencedOnce();
    void badJsonKeepsConnection();
    void oversizeClosesWith1009();
    void hugeFrameIsRefusedWithoutHarm();
    void floodIsRateLimitedWithoutHarm();
    void slowReaderIsClosedWithoutHarm();
    void binaryClosesWith1003();
    void badChannelIsRefused();
    void resumeDeliversExactlyTheMissedEvents();
    void joinAndLeave();
    void staticClientIsServedThroughNginx();
    void addedNodeTakesConnections();
    void killedNodeLeavesTheOtherServing();
    void nodeDyingOnItsOwnIsNotAKill();
    void restartedNodesComeBackOnTheirPorts();
    void nginxKilledComesBackOnItsPort();
    void destroyedClusterLeavesNoProcess();

private:
    quint16 port() const { return m_cluster->port(); }
    QList<duplex::control::NodeStatus> webSocketNodes() const;

    std::unique_ptr<Cluster> m_cluster;
};

void TestCluster::initTestCase()
{
    duplex::control::ClusterConfig config;
    config.webSocketNodes = 2;
    config.cometNodes = 0; // the Comet surface has its own test (tst_comet)
    config.port = 0;
    config.binDir = QStringLiteral(DUPLEX_BIN_DIR);
    config.statsIntervalMs = 200;
    // A reader 2 s behind is closed (10 s by default), so the slow-reader case is quick.
    config.serverArguments[Role::WebSocket] = QStringList{QStringLiteral("--max-lag"), QStringLiteral("2")};
    m_cluster = std::make_unique<Cluster>(config);
    QSignalSpy started(m_cluster.get(), &Cluster::started);
    QSignalSpy failed(m_cluster.get(), &Cluster::startFailed);
    m_cluster->start();
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 20000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
}

void TestCluster::cleanupTestCase()
{
    QSignalSpy stopped(m_cluster.get(), &Cluster::stopped);
    const auto nodes = m_cluster->nodes();
    m_cluster->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 10000);
    for (const auto &node : nodes)
        QVERIFY2(node.pid == 0 || !duplex::util::isRunning(node.pid),
                 qPrintable(node.name + QStringLiteral(" survived the stop")));
}

QList<duplex::control::NodeStatus> TestCluster::webSocketNodes() const
{
    QList<duplex::control::NodeStatus> out;
    for (const auto &n : m_cluster->nodes()) {
        if (n.role == duplex::util::Role::WebSocket)
            out << n;
    }
    return out;
}

void TestCluster::clientsLandOnDifferentNodesAndShareSeq()
{
    WsClient a, b;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-order"))));
    QVERIFY(b.open(wsUrl(port(), QStringLiteral("channel=t-order"))));
    // least_conn: with one connection on the first node, the second goes to the other.
    QVERIFY(!a.welcome().node.isEmpty());
    QVERIFY2(a.welcome().node != b.welcome().node, qPrintable(a.welcome().node));

    for (int i = 0; i < 20; ++i)
        (i % 2 ? a : b).send(QStringLiteral(R"({"type":"publish","data":{"n":%1}})").arg(i));
    QTRY_COMPARE_WITH_TIMEOUT(a.count(EventType::Message), 20, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(b.count(EventType::Message), 20, 5000);
    const QList<Event> ma = a.eventsOfType(EventType::Message);
    const QList<Event> mb = b.eventsOfType(EventType::Message);
    for (int i = 0; i < 20; ++i) {
        QCOMPARE(ma[i].seq, mb[i].seq);
        QCOMPARE(ma[i].data, mb[i].data);
        QCOMPARE(ma[i].ts, mb[i].ts);
        if (i > 0)
            QVERIFY(ma[i].seq > ma[i - 1].seq);
    }
    QCOMPARE(a.unparsed(), 0);
    QCOMPARE(b.unparsed(), 0);
    // Every sequenced event a client saw is numbered without a hole after its welcome.
    qint64 expected = a.welcome().seq + 1;
    for (const Event &e : a.events()) {
        if (!e.isSequenced())
            continue;
        QCOMPARE(e.seq, expected);
        ++expected;
    }
}

void TestCluster::plainTextPublish()
{
    WsClient a;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-plain"))));
    a.send(QStringLiteral("Hello, мир 👋"));
    QTRY_COMPARE_WITH_TIMEOUT(a.count(EventType::Message), 1, 5000);
    const Event m = a.eventsOfType(EventType::Message).first();
    QCOMPARE(m.data.toString(), QStringLiteral("Hello, мир 👋"));
    QCOMPARE(m.clientId, a.welcome().clientId);
    QCOMPARE(m.channel, QStringLiteral("t-plain"));
    QVERIFY(m.ts > 0);
    QCOMPARE(a.count(EventType::Ack), 0);
}

void TestCluster::ackCarriesId()
{
    WsClient a;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-ack"))));
    a.send(QStringLiteral(R"({"type":"publish","data":[1,2,3],"id":"req-7"})"));
    a.send(QStringLiteral(R"({"type":"publish","data":null,"id":8})"));
    QTRY_COMPARE_WITH_TIMEOUT(a.count(EventType::Ack), 2, 5000);
    const QList<Event> acks = a.eventsOfType(EventType::Ack);
    const QList<Event> messages = a.eventsOfType(EventType::Message);
    QCOMPARE(acks[0].id.toString(), QStringLiteral("req-7"));
    QCOMPARE(acks[1].id.toInt(), 8);
    QCOMPARE(messages.size(), 2);
    QCOMPARE(acks[0].seq, messages[0].seq);
    QCOMPARE(acks[1].seq, messages[1].seq);
}

void TestCluster::retriedIdIsSequencedOnce()
{
    // A client sends a publish again with its id (a lost ack, a reconnect to the other
    // node): every copy is acked with the first seq, and the channel has the event once.
    WsClient watcher;
    QVERIFY(watcher.open(wsUrl(port(), QStringLiteral("presence=0&channel=t-retry"))));
    WsClient a;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("presence=0&channel=t-retry"))));
    const QString publish = QStringLiteral(R"({"type":"publish","data":"once","id":"r-1"})");
    a.send(publish);
    a.send(publish);
    QTRY_COMPARE_WITH_TIMEOUT(a.count(EventType::Ack), 2, 5000);
    const QString clientId = a.eventsOfType(EventType::Welcome).constFirst().clientId;
    a.close();
    // Both nodes in turn: least_conn spreads the reconnects, and the broker decides.
    for (int i = 0; i < 2; ++i) {
        WsClient again;
        QVERIFY(again.open(wsUrl(port(), QStringLiteral("presence=0&channel=t-retry&clientId=") + clientId)));
        again.send(publish);
        QTRY_COMPARE_WITH_TIMEOUT(again.count(EventType::Ack), 1, 5000);
        QCOMPARE(again.eventsOfType(EventType::Ack).constFirst().seq, a.eventsOfType(EventType::Ack).constFirst().seq);
    }
    const QList<Event> acks = a.eventsOfType(EventType::Ack);
    QCOMPARE(acks[0].seq, acks[1].seq);
    // Another id is a new event, and the sentinel: everything before it has arrived.
    WsClient b;
    QVERIFY(b.open(wsUrl(port(), QStringLiteral("presence=0&channel=t-retry&clientId=") + clientId)));
    b.send(QStringLiteral(R"({"type":"publish","data":"sentinel","id":"r-2"})"));
    QTRY_COMPARE_WITH_TIMEOUT(watcher.count(EventType::Message), 2, 5000);
    const QList<Event> seen = watcher.eventsOfType(EventType::Message);
    QCOMPARE(seen[0].data, QJsonValue(QStringLiteral("once")));
    QCOMPARE(seen[0].seq, acks[0].seq);
    QCOMPARE(seen[1].data, QJsonValue(QStringLiteral("sentinel")));
}

void TestCluster::badJsonKeepsConnection()
{
    WsClient a;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-bad"))));
    a.send(QStringLiteral("{not json"));
    a.send(QStringLiteral(R"({"type":"subscribe","data":1})"));
    QTRY_COMPARE_WITH_TIMEOUT(a.count(EventType::Error), 2, 5000);
    for (const Event &e : a.eventsOfType(EventType::Error))
        QCOMPARE(e.code, QStringLiteral("bad_json"));
    a.send(QStringLiteral(R"({"type":"publish","data":"still here"})"));
    QTRY_COMPARE_WITH_TIMEOUT(a.count(EventType::Message), 1, 5000);
    QVERIFY(a.isConnected());
}

void TestCluster::oversizeClosesWith1009()
{
    WsClient a, bystander;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-big"))));
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("channel=t-big"))));
    a.send(QString(70 * 1024, QLatin1Char('x')));
    QTRY_VERIFY_WITH_TIMEOUT(a.disconnected(), 5000);
    QCOMPARE(a.closeCode(), 1009);
    // The node and everyone else carry on.
    bystander.send(QStringLiteral("after"));
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), 1, 5000);
}

void TestCluster::hugeFrameIsRefusedWithoutHarm()
{
    WsClient a, bystander;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-huge"))));
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("channel=t-huge"))));
    a.send(QString(8 * 1024 * 1024, QLatin1Char('x')));
    QTRY_VERIFY_WITH_TIMEOUT(a.disconnected(), 10000);
    bystander.send(QStringLiteral("after"));
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), 1, 5000);
}

void TestCluster::floodIsRateLimitedWithoutHarm()
{
    WsClient flooder, bystander;
    QVERIFY(flooder.open(wsUrl(port(), QStringLiteral("channel=t-flood"))));
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("channel=t-flood"))));
    // Far above the default 1000/s with bursts of 2000: some must be refused.
    const int sent = 4000;
    for (int i = 0; i < sent; ++i)
        flooder.send(QStringLiteral(R"({"type":"publish","data":%1,"id":%1})").arg(i));
    QTRY_COMPARE_WITH_TIMEOUT(flooder.count(EventType::Ack) + flooder.count(EventType::Error), sent, 20000);
    const int accepted = flooder.count(EventType::Ack);
    QVERIFY2(flooder.count(EventType::Error) > 0, "nothing was rate limited");
    for (const Event &e : flooder.eventsOfType(EventType::Error))
        QCOMPARE(e.code, QStringLiteral("rate_limited"));
    QVERIFY(flooder.isConnected());
    // Everything accepted reached the other client, once, in order.
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), accepted, 10000);
    const QList<Event> got = bystander.eventsOfType(EventType::Message);
    for (int i = 1; i < got.size(); ++i)
        QVERIFY(got[i].data.toInt() > got[i - 1].data.toInt());
}

void TestCluster::slowReaderIsClosedWithoutHarm()
{
    // A client that completes the handshake and then never reads: Qt stops reading for
    // it once 4 KiB are buffered, so the kernel and nginx buffers fill and the node's
    // queue for it grows.
    QTcpSocket slow;
    slow.setReadBufferSize(4096);
    // A fixed small kernel buffer too: loopback autotuning here goes up to 32 MiB.
    slow.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
    slow.connectToHost(QHostAddress::LocalHost, port());
    QVERIFY(slow.waitForConnected(5000));
    slow.write("GET /ws/?channel=t-slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(slow.bytesAvailable() > 0, 5000);

    WsClient publisher, bystander;
    QVERIFY(publisher.open(wsUrl(port(), QStringLiteral("channel=t-slow"))));
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("channel=t-slow"))));
    const int count = 1000; // 1000 x 60 KiB: more than every buffer on the way can hold
    const QString payload(60 * 1024, QLatin1Char('p'));
    for (int i = 0; i < count; ++i) {
        publisher.send(QStringLiteral(R"({"type":"publish","data":"%1","id":%2})").arg(payload).arg(i));
        if (i % 100 == 99)
            QTRY_COMPARE_WITH_TIMEOUT(publisher.count(EventType::Ack), i + 1, 10000);
    }
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), count, 30000);

    // It is closed once it is --max-lag behind, by the timer: nothing more needs to be
    // sent to it for that to happen.
    const auto slowClosed = [this] {
        double closed = 0;
        int answered = 0;
        const auto nodes = webSocketNodes();
        for (const auto &node : nodes) {
            duplex::client::HttpConnection::getOnce(QStringLiteral("127.0.0.1"), node.adminPort, "/metrics", 5000, this,
                                                    [&](const duplex::client::HttpResult &result) {
                                                        ++answered;
                                                        if (result.status == 200)
                                                            closed += duplex::metrics::Metrics::parse(result.body)
                                                                          .value("duplex_slow_closed_total");
                                                    });
        }
        (void)QTest::qWaitFor([&] { return answered == int(nodes.size()); }, 6000); // a node not answering adds 0
        return closed;
    };
    QVERIFY2(QTest::qWaitFor([&] { return slowClosed() >= 1; }, 15000), "the slow reader was never closed");
    QVERIFY(bystander.isConnected());
    QVERIFY(publisher.isConnected());
}

void TestCluster::binaryClosesWith1003()
{
    WsClient a;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-bin"))));
    a.sendBinary(QByteArray("\x01\x02\x03", 3));
    QTRY_VERIFY_WITH_TIMEOUT(a.disconnected(), 5000);
    QCOMPARE(a.closeCode(), 1003);
}

void TestCluster::badChannelIsRefused()
{
    WsClient a;
    QVERIFY(!a.open(wsUrl(port(), QStringLiteral("channel=no%20spaces"))));
    QTRY_VERIFY_WITH_TIMEOUT(a.disconnected(), 5000);
    QCOMPARE(a.count(EventType::Error), 1);
    QCOMPARE(a.eventsOfType(EventType::Error).first().code, QStringLiteral("bad_channel"));
    QCOMPARE(a.closeCode(), 1008);
}

void TestCluster::resumeDeliversExactlyTheMissedEvents()
{
    WsClient publisher, dropper;
    QVERIFY(publisher.open(wsUrl(port(), QStringLiteral("channel=t-resume"))));
    QVERIFY(dropper.open(wsUrl(port(), QStringLiteral("channel=t-resume"))));
    publisher.send(QStringLiteral("before"));
    QTRY_COMPARE_WITH_TIMEOUT(dropper.count(EventType::Message), 1, 5000);
    const qint64 since = dropper.lastSeq();
    const QString clientId = dropper.welcome().clientId;
    dropper.close();

    for (int i = 0; i < 50; ++i)
        publisher.send(QStringLiteral(R"({"type":"publish","data":%1,"id":%1})").arg(i));
    QTRY_COMPARE_WITH_TIMEOUT(publisher.count(EventType::Ack), 50, 5000);

    WsClient resumed;
    QVERIFY(resumed.open(wsUrl(port(), QStringLiteral("channel=t-resume&clientId=%1&since=%2").arg(clientId).arg(since))));
    QCOMPARE(resumed.welcome().clientId, clientId);
    QTRY_COMPARE_WITH_TIMEOUT(resumed.count(EventType::Message), 50, 5000);
    const QList<Event> messages = resumed.eventsOfType(EventType::Message);
    for (int i = 0; i < 50; ++i)
        QCOMPARE(messages[i].data.toInt(), i);
    // Nothing twice, nothing skipped: seqs run from since+1 without a hole.
    qint64 expected = since + 1;
    for (const Event &e : resumed.events()) {
        if (!e.isSequenced())
            continue;
        QCOMPARE(e.seq, expected);
        ++expected;
    }
    QCOMPARE(resumed.count(EventType::Gap), 0);
    // A live event after the catch-up arrives once.
    publisher.send(QStringLiteral("live"));
    QTRY_COMPARE_WITH_TIMEOUT(resumed.count(EventType::Message), 51, 5000);
    // A sentinel after it: the channel is totally ordered, so a second copy of the live
    // event would have arrived before the sentinel does.
    publisher.send(QStringLiteral("sentinel"));
    QTRY_VERIFY_WITH_TIMEOUT(resumed.eventsOfType(EventType::Message).last().data == QJsonValue(QStringLiteral("sentinel")), 5000);
    QCOMPARE(resumed.count(EventType::Message), 52);
}

void TestCluster::joinAndLeave()
{
    WsClient watcher, visitor;
    QVERIFY(watcher.open(wsUrl(port(), QStringLiteral("channel=t-presence"))));
    QVERIFY(visitor.open(wsUrl(port(), QStringLiteral("channel=t-presence"))));
    const QString visitorId = visitor.welcome().clientId;
    QTRY_VERIFY_WITH_TIMEOUT(!watcher.eventsOfType(EventType::Join).isEmpty()
                                 && watcher.eventsOfType(EventType::Join).last().clientId == visitorId,
                             5000);
    QCOMPARE(watcher.eventsOfType(EventType::Join).last().transport, QStringLiteral("ws"));
    visitor.close();
    QTRY_COMPARE_WITH_TIMEOUT(watcher.count(EventType::Leave), 1, 5000);
    QCOMPARE(watcher.eventsOfType(EventType::Leave).first().clientId, visitorId);
}

void TestCluster::staticClientIsServedThroughNginx()
{
    int status = -1;
    QByteArray body;
    duplex::client::HttpConnection::getOnce(QStringLiteral("127.0.0.1"), port(), "/", 5000, this,
                                            [&](const duplex::client::HttpResult &result) {
                                                status = result.status;
                                                body = result.body;
                                            });
    QTRY_VERIFY_WITH_TIMEOUT(status != -1, 6000);
    QCOMPARE(status, 200);
    QVERIFY(body.contains("<html") || body.contains("<!doctype") || body.contains("<!DOCTYPE"));
}

void TestCluster::addedNodeTakesConnections()
{
    QSignalSpy reloaded(m_cluster.get(), &Cluster::nginxReloaded);
    QString error;
    QVERIFY2(m_cluster->addNode(duplex::util::Role::WebSocket, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!reloaded.isEmpty(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(webSocketNodes().size(), 3, 5000);
    QVERIFY(m_cluster->nginxConfigText().count(QStringLiteral("max_fails=1")) >= 3);
    // nginx's new workers take a moment after SIGHUP; keep clients open so least_conn
    // must eventually use the node that has none.
    std::vector<std::unique_ptr<WsClient>> clients;
    QSet<QString> nodes;
    for (int i = 0; i < 12 && !nodes.contains(QStringLiteral("ws-3")); ++i) {
        auto client = std::make_unique<WsClient>();
        QVERIFY(client->open(wsUrl(port(), QStringLiteral("channel=t-add"))));
        nodes.insert(client->welcome().node);
        clients.push_back(std::move(client));
        QTest::qWait(100);
    }
    QVERIFY2(nodes.contains(QStringLiteral("ws-3")), qPrintable(QStringList(nodes.values()).join(',')));
}

void TestCluster::killedNodeLeavesTheOtherServing()
{
    WsClient a;
    QVERIFY(a.open(wsUrl(port(), QStringLiteral("channel=t-kill"))));
    const QString victim = a.welcome().node;
    QSignalSpy exited(m_cluster.get(), &Cluster::nodeExited);
    QString error;
    QVERIFY2(m_cluster->killNode(victim, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!exited.isEmpty(), 5000);
    QCOMPARE(exited.first().at(0).toString(), victim);
    QVERIFY(exited.first().at(1).toString().contains(QStringLiteral("signal 9")));
    QCOMPARE(exited.first().at(3).toBool(), true); // killed: asked for
    QTRY_VERIFY_WITH_TIMEOUT(a.disconnected(), 5000);

    // New clients are sent to the survivors and the channel keeps working.
    for (int i = 0; i < 4; ++i) {
        WsClient b, c;
        QVERIFY(b.open(wsUrl(port(), QStringLiteral("channel=t-kill"))));
        QVERIFY(c.open(wsUrl(port(), QStringLiteral("channel=t-kill"))));
        QVERIFY(b.welcome().node != victim);
        QVERIFY(c.welcome().node != victim);
        b.send(QStringLiteral("still serving"));
        QTRY_VERIFY_WITH_TIMEOUT(c.count(EventType::Message) == 1, 5000);
    }
}

void TestCluster::nodeDyingOnItsOwnIsNotAKill()
{
    // A SIGKILL from outside, not through killNode(): reported as an exit nobody asked for.
    qint64 pid = 0;
    QString name;
    for (const auto &node : webSocketNodes()) {
        if (node.state == duplex::process::ChildProcess::State::Running) {
            pid = node.pid;
            name = node.name;
        }
    }
    QVERIFY(pid > 0);
    QSignalSpy exited(m_cluster.get(), &Cluster::nodeExited);
    QVERIFY(::kill(pid_t(pid), SIGKILL) == 0);
    QTRY_VERIFY_WITH_TIMEOUT(!exited.isEmpty(), 5000);
    QCOMPARE(exited.first().at(0).toString(), name);
    QCOMPARE(exited.first().at(3).toBool(), false);
}

void TestCluster::nginxKilledComesBackOnItsPort()
{
    // kill -9 of nginx's master in a cluster that restarts what dies: its workers go with
    // it (they used to live on as orphans holding the port, and the restarted nginx could
    // not bind it), and the new nginx serves on the same port.
    duplex::control::ClusterConfig config;
    config.restart = true;
    QString error;
    const std::unique_ptr<Cluster> own = startTestCluster(1, 0, &error, config);
    QVERIFY2(own, qPrintable(error));
    const auto nginxOf = [&own] {
        return nodeOf(*own, duplex::util::Role::Nginx).value_or(duplex::control::NodeStatus{});
    };
    const duplex::control::NodeStatus before = nginxOf();
    QVERIFY(before.pid > 0);
    QList<qint64> workers;
    const QStringList procs = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : procs) {
        const qint64 pid = entry.toLongLong();
        if (pid > 0 && pid != before.pid && duplex::util::readProcStat(pid).processGroup == before.pid)
            workers << pid;
    }
    QVERIFY2(!workers.isEmpty(), "nginx has no workers in its group");
    QSignalSpy restarting(own.get(), &Cluster::nodeRestarting);
    ::kill(pid_t(before.pid), SIGKILL);
    for (const qint64 worker : std::as_const(workers))
        QTRY_VERIFY_WITH_TIMEOUT(!duplex::util::isRunning(worker), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(nginxOf().state == duplex::process::ChildProcess::State::Running && nginxOf().pid != before.pid,
                             20000);
    QCOMPARE(restarting.first().first().toString(), QStringLiteral("nginx"));
    QCOMPARE(own->port(), before.port);
    WsClient client;
    QVERIFY(client.open(wsUrl(own->port(), QStringLiteral("channel=t-nginx"))));
    QVERIFY(stopTestCluster(own.get()));
}

void TestCluster::restartedNodesComeBackOnTheirPorts()
{
    // The node killed in the previous test is dead (no --restart): restart starts it at
    // once; a running one is stopped gracefully first. Both keep their ports, and neither
    // is reported as a node that exited.
    QSignalSpy exited(m_cluster.get(), &Cluster::nodeExited);
    QSignalSpy restarting(m_cluster.get(), &Cluster::nodeRestarting);
    QSignalSpy started(m_cluster.get(), &Cluster::nodeStarted);
    QSignalSpy reloaded(m_cluster.get(), &Cluster::nginxReloaded);
    QString error;
    const auto before = webSocketNodes();
    for (const auto &node : before) {
        const bool wasRunning = node.state == duplex::process::ChildProcess::State::Running;
        QVERIFY2(m_cluster->restartNode(node.name, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     for (const auto &now : webSocketNodes()) {
                                         if (now.name == node.name)
                                             return now.state == duplex::process::ChildProcess::State::Running
                                                 && now.pid != node.pid && now.pid > 0;
                                     }
                                     return false;
                                 }()),
                                 10000);
        for (const auto &now : webSocketNodes()) {
            if (now.name == node.name) {
                QCOMPARE(now.port, node.port);
                QCOMPARE(now.restarts, node.restarts + 1);
            }
        }
        qInfo("%s restarted (it was %s)", qPrintable(node.name), wasRunning ? "running" : "dead");
    }
    QCOMPARE(restarting.size(), int(before.size()));
    QVERIFY(exited.isEmpty());
    // Back on their ports, so nginx's configuration is the same: it is not reloaded, which
    // would end every proxied connection of the cluster 10 s later. (nodeStarted comes
    // just before the reload would, in the same call.)
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), int(before.size()), 10000);
    QCOMPARE(reloaded.size(), 0);
    // Both serve again, through nginx.
    QSet<QString> nodes;
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(std::make_unique<WsClient>());
        QVERIFY(clients.back()->open(wsUrl(port(), QStringLiteral("channel=t-restart"))));
        nodes.insert(clients.back()->welcome().node);
    }
    QVERIFY2(nodes.size() >= 2, qPrintable(QStringList(nodes.values()).join(QLatin1Char(' '))));
    QVERIFY(!m_cluster->restartNode(QStringLiteral("broker"), &error));
    QVERIFY(!m_cluster->restartNode(QStringLiteral("nope"), &error));
}

namespace {
} // namespace

void TestCluster::destroyedClusterLeavesNoProcess()
{
    // An owner that drops its cluster without stop() (a test failing midway, a crash
    // unwinding) must not leave nginx's workers behind: their master cannot pass a
    // SIGKILL on, so the whole process group goes.
    duplex::control::ClusterConfig config;
    config.webSocketNodes = 1;
    config.cometNodes = 1;
    config.port = 0;
    config.binDir = QStringLiteral(DUPLEX_BIN_DIR);
    auto cluster = std::make_unique<Cluster>(config);
    QSignalSpy started(cluster.get(), &Cluster::started);
    cluster->start();
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty(), 20000);
    QList<qint64> pids;
    qint64 master = 0;
    for (const auto &node : cluster->nodes()) {
        pids << node.pid;
        if (node.role == duplex::util::Role::Nginx)
            master = node.pid;
    }
    QVERIFY(master > 0);
    QTRY_VERIFY_WITH_TIMEOUT(!duplex::util::childProcesses(master).isEmpty(), 5000);
    pids << duplex::util::childProcesses(master);
    cluster.reset();
    for (const qint64 pid : pids)
        QTRY_VERIFY2_WITH_TIMEOUT(!duplex::util::isRunning(pid), qPrintable(QString::number(pid)), 5000);
}

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
