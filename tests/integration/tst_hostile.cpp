// The bad-input catalogue (issue 13), through nginx against a real cluster: each case
// sends what a hostile or broken client would and checks the answer the contract and
// docs/PROTOCOL.md give, that no process of the cluster died, and that a bystander on the
// same channel received every good event exactly once and nothing else.
#include "attack/rawwebsocket.h"
#include "attack/requestflood.h"
#include "client/httpconnection.h"
#include "control/cluster.h"
#include "httpcall.h"
#include "protocol/inputpolicy.h"
#include "testcluster.h"
#include "wsclient.h"

#include "metrics/metrics.h"
#include "util/procstats.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <functional>
#include <memory>
#include <optional>

using duplex::attack::RawWebSocket;
using duplex::control::Cluster;
using duplex::protocol::EventType;

namespace {

// `depth` arrays nested around 1: "[[1]]" is 2 deep.
QByteArray nested(int depth)
{
    return QByteArray(depth, '[') + '1' + QByteArray(depth, ']');
}

// The cases that measure memory or push tens of thousands of requests: under ASan/UBSan
// (label sanitize) the memory figures are the sanitizer's own and the volume takes many
// minutes, so the sanitized build runs every other case and the plain build runs these.
#ifdef DUPLEX_SANITIZED
#define SKIP_WHEN_SANITIZED() QSKIP("a volume and memory case: the plain build runs it")
#else
#define SKIP_WHEN_SANITIZED()
#endif

// The limits the catalogue's cluster runs with, small enough to reach in a test.
constexpr int kMaxLagSeconds = 2;
constexpr int kPresenceLimit = 5;
constexpr int kNewSessionsPerSecond = 2; // bursts of twice that

// A WebSocket client (attack::RawWebSocket, Reading::Never) that completes the handshake
// through nginx and then never reads: Qt stops reading for it at 4 KiB and the kernel
// buffer is as small.
bool openNonReader(RawWebSocket &socket)
{
    socket.open();
    return QTest::qWaitFor([&] { return socket.isOpen(); }, 5000);
}

QByteArray nonReaderTarget(const QByteArray &channel)
{
    return "/ws/?presence=0&channel=" + channel;
}

// A WebSocket client on a raw socket, through nginx, that reads the server's frames back
// as (opcode, payload), which attack::RawWebSocket (made to never read, or to discard) does
// not: frames are sent as given, not as Qt would send them.
class FrameReadingSocket
{
public:
    bool open(quint16 port, const QByteArray &channel)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        if (!m_socket.waitForConnected(5000))
            return false;
        m_socket.write("GET /ws/?presence=0&channel=" + channel + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n");
        if (!QTest::qWaitFor([&] { read(); return m_buffer.contains("\r\n\r\n"); }, 5000))
            return false;
        m_buffer = m_buffer.mid(m_buffer.indexOf("\r\n\r\n") + 4);
        return m_buffer.startsWith("HTTP") == false;
    }
    void send(const QByteArray &frame) { m_socket.write(frame); }
    // Waits for a frame of `opcode`; its payload, or nothing after `timeoutMs`.
    std::optional<QByteArray> waitFor(quint8 opcode, int timeoutMs = 10000)
    {
        std::optional<QByteArray> found;
        (void)QTest::qWaitFor([&] {
            read();
            while (auto frame = next()) {
                if (frame->first == opcode) {
                    found = frame->second;
                    return true;
                }
            }
            return false;
        }, timeoutMs);
        return found;
    }

private:
    void read() { m_buffer += m_socket.readAll(); }
    std::optional<QPair<quint8, QByteArray>> next()
    {
        if (m_buffer.size() < 2)
            return std::nullopt;
        const quint8 opcode = quint8(m_buffer[0]) & 0x0f;
        qint64 length = quint8(m_buffer[1]) & 0x7f;
        int header = 2;
        if (length == 126) {
            if (m_buffer.size() < 4)
                return std::nullopt;
            length = (quint8(m_buffer[2]) << 8) | quint8(m_buffer[3]);
            header = 4;
        } else if (length == 127) {
            if (m_buffer.size() < 10)
                return std::nullopt;
            length = 0;
            for (int i = 2; i < 10; ++i)
                length = (length << 8) | quint8(m_buffer[i]);
            header = 10;
        }
        if (m_buffer.size() < header + length)
            return std::nullopt;
        QPair<quint8, QByteArray> frame{opcode, m_buffer.mid(header, int(length))};
        m_buffer.remove(0, header + int(length));
        return frame;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// Sends `count` requests, target(i) each, on 32 keep-alive connections through nginx at
// once (attack::RequestFlood), and counts the answers by status (0: no answer or a
// transport error).
QMap<int, int> sendMany(quint16 port, const QByteArray &method, int count, const std::function<QByteArray(int)> &target)
{
    duplex::attack::RequestFlood::Config config;
    config.port = port;
    config.method = method;
    config.count = count;
    config.target = target;
    duplex::attack::RequestFlood flood(config);
    flood.start();
    if (!QTest::qWaitFor([&] { return flood.answered() == count; }, 240000))
        flood.abort();
    return flood.statuses();
}

} // namespace

class TestHostile final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void webSocketPublish_data();
    void webSocketPublish();
    void cometPublish_data();
    void cometPublish();
    void deepestAcceptedEventResumesFromHistory();
    void webSocketQuery_data();
    void webSocketQuery();
    void cometQuery_data();
    void cometQuery();
    void webSocketFrames_data();
    void webSocketFrames();
    void cometBodySize_data();
    void cometBodySize();
    void slowReaderIsClosedByItsLag();
    void pingFloodFromANonReaderIsClosed();
    void backlogPastItsBytesIsClosedOnce();
    void largeResumeAtFullSpeedIsNotSlow();
    void malformedFloodIsClosed();
    void crowdedChannelStopsPresence();
    void cometCrowdedChannelWelcomeSaysNoPresence();
    void cometNewClientsPerAddressAreLimited();
    void nginxCannotBeToldAnotherAddress();
    void fullNodesRefuseWithRetry();
    void invalidUtf8TextFrameIsClosed1007();
    void fragmentedPublishWithInterleavedPing();
    void slowlorisHandshakesHarmNobody();
    void strangerOnTheBusSending16MiB();
    void staticTraversalThroughNginx_data();
    void staticTraversalThroughNginx();
    void tenThousandChannelsFromOneClient();
    void twentyThousandCometClientIds();
    void channelsPastTheLimitAreRefusedAndIdleOnesForgotten();

private:
    quint16 port() const { return m_cluster->port(); }
    // Every node runs as it did at the start: none died, none restarted.
    bool clusterIntact(QString *why) const;
    // Publishes `marker` from a fresh client on `channel` and waits until `bystander` has it:
    // the channel is totally ordered, so everything sequenced before it has arrived too.
    bool sentinel(WsClient &bystander, const QString &channel, const QString &marker);
    // The end of every case: after a sentinel, the bystander holds `messages` messages
    // (the sentinel included) and the cluster is intact; false with *why otherwise.
    bool unharmed(WsClient &bystander, const QString &channel, int messages, QString *why);
    // The first node of `role` as the cluster reports it now; none when it has none.
    std::optional<duplex::control::NodeStatus> node(duplex::util::Role role) const;
    // One metric of the node of `role`, NaN when it could not be read.
    double metric(duplex::util::Role role, const QByteArray &name) const;

    std::unique_ptr<Cluster> m_cluster;
    QHash<QString, qint64> m_pids; // node name -> pid at the start
};

void TestHostile::initTestCase()
{
    QString error;
    duplex::control::ClusterConfig config;
    const QString presence = QString::number(kPresenceLimit);
    config.serverArguments[duplex::util::Role::WebSocket] = {QStringLiteral("--max-lag"), QString::number(kMaxLagSeconds),
                                                             QStringLiteral("--presence-limit"), presence};
    config.serverArguments[duplex::util::Role::Comet] = {QStringLiteral("--presence-limit"), presence,
                                                         QStringLiteral("--new-sessions"),
                                                         QString::number(kNewSessionsPerSecond)};
    m_cluster = startTestCluster(1, 1, &error, config);
    QVERIFY2(m_cluster, qPrintable(error));
    for (const duplex::control::NodeStatus &node : m_cluster->nodes())
        m_pids.insert(node.name, node.pid);
}

void TestHostile::cleanupTestCase()
{
    if (m_cluster)
        QVERIFY(stopTestCluster(m_cluster.get()));
}

bool TestHostile::clusterIntact(QString *why) const
{
    for (const duplex::control::NodeStatus &node : m_cluster->nodes()) {
        if (node.state != duplex::process::ChildProcess::State::Running || node.pid != m_pids.value(node.name)) {
            *why = QStringLiteral("%1 is %2 (pid %3, was %4)")
                       .arg(node.name, duplex::process::stateName(node.state)).arg(node.pid).arg(m_pids.value(node.name));
            return false;
        }
    }
    return true;
}

bool TestHostile::sentinel(WsClient &bystander, const QString &channel, const QString &marker)
{
    WsClient sender;
    if (!sender.open(wsUrl(port(), QStringLiteral("channel=") + channel)))
        return false;
    sender.send(QStringLiteral(R"({"type":"publish","data":"%1"})").arg(marker));
    return QTest::qWaitFor([&] {
        const auto messages = bystander.eventsOfType(EventType::Message);
        return !messages.isEmpty() && messages.last().data == QJsonValue(marker);
    }, 10000);
}

bool TestHostile::unharmed(WsClient &bystander, const QString &channel, int messages, QString *why)
{
    if (!sentinel(bystander, channel, QStringLiteral("sentinel"))) {
        *why = QStringLiteral("the bystander never got the sentinel");
        return false;
    }
    if (bystander.count(EventType::Message) != messages) {
        *why = QStringLiteral("the bystander got %1 messages, expected %2").arg(bystander.count(EventType::Message)).arg(messages);
        return false;
    }
    return clusterIntact(why);
}

std::optional<duplex::control::NodeStatus> TestHostile::node(duplex::util::Role role) const
{
    return nodeOf(*m_cluster, role);
}

double TestHostile::metric(duplex::util::Role role, const QByteArray &name) const
{
    return metricOf(*m_cluster, role, name);
}

void TestHostile::webSocketPublish_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("errorCode"); // empty: accepted (acked, delivered)

    const QByteArray envelope = R"({"type":"publish","id":"h","data":)";
    // The poison message: accepted before the input policy, it crash-looped every node
    // that later read it back from the broker's history.
    QTest::newRow("depth-1022-poison") << (envelope + nested(1022) + '}') << QStringLiteral("bad_json");
    QTest::newRow("depth-1023") << (envelope + nested(1023) + '}') << QStringLiteral("bad_json");
    QTest::newRow("depth-5000") << (envelope + nested(5000) + '}') << QStringLiteral("bad_json");
    QTest::newRow("depth-33") << (envelope + nested(33) + '}') << QStringLiteral("bad_json");
    QTest::newRow("depth-32") << (envelope + nested(32) + '}') << QString();
    QTest::newRow("depth-31") << (envelope + nested(31) + '}') << QString();
    QTest::newRow("deep-brackets-as-text") << nested(5000) << QString();
}

void TestHostile::webSocketPublish()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, errorCode);
    const QString channel = QStringLiteral("h-ws-") + QString::fromLatin1(QTest::currentDataTag());

    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    WsClient client;
    QVERIFY(client.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    client.send(QString::fromUtf8(frame));
    if (errorCode.isEmpty()) {
        QTRY_COMPARE_WITH_TIMEOUT(client.count(EventType::Message), 1, 10000);
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(client.count(EventType::Error), 1, 10000);
        QCOMPARE(client.eventsOfType(EventType::Error).first().code, errorCode);
        QVERIFY2(!client.eventsOfType(EventType::Error).first().message.isEmpty(), "an error says why");
    }
    // The connection stays, and the bystander got the good message once, the bad one never.
    QVERIFY(client.isConnected());
    QString why;
    QVERIFY2(unharmed(bystander, channel, errorCode.isEmpty() ? 2 : 1, &why), qPrintable(why));
}

void TestHostile::cometPublish_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");

    QTest::newRow("depth-1022-poison") << (R"({"data":)" + nested(1022) + '}') << 400;
    QTest::newRow("depth-33") << (R"({"data":)" + nested(33) + '}') << 400;
    QTest::newRow("depth-32") << (R"({"data":)" + nested(32) + '}') << 200;
    QTest::newRow("invalid-utf8-text") << QByteArray("caf\xe9") << 400;
    QTest::newRow("invalid-utf8-in-json") << QByteArray("{\"data\":\"\xed\xa0\x80\"}") << 400;
    QTest::newRow("overlong-slash") << QByteArray("\xc0\xaf") << 400;
}

void TestHostile::cometPublish()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    const QString channel = QStringLiteral("h-comet-") + QString::fromLatin1(QTest::currentDataTag());

    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    const duplex::client::HttpResult r = httpCall(port(), "POST", "/xhr/publish?channel=" + channel.toLatin1(), body);
    QVERIFY2(r.status == status, r.body.constData());
    if (status != 200) {
        const QJsonObject error = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("bad_json"));
    }
    QString why;
    QVERIFY2(unharmed(bystander, channel, status == 200 ? 2 : 1, &why), qPrintable(why));
}

void TestHostile::deepestAcceptedEventResumesFromHistory()
{
    // The deepest event the policy accepts, pushed out of the node's buffer (1000 events)
    // by 1100 more, comes back from the broker's history, wrapped two levels deeper, to a
    // client resuming from 0, and the node that reads it stays up.
    const QString channel = QStringLiteral("h-deep-resume");
    WsClient publisher;
    QVERIFY(publisher.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    const QByteArray deep = nested(duplex::protocol::kMaxDataDepth);
    publisher.send(QString::fromUtf8(R"({"type":"publish","id":"deep","data":)" + deep + '}'));
    for (int i = 0; i < 1100; ++i)
        publisher.send(QStringLiteral(R"({"type":"publish","id":%1,"data":%1})").arg(i));
    QTRY_COMPARE_WITH_TIMEOUT(publisher.count(EventType::Ack), 1101, 20000);

    WsClient resumed;
    QVERIFY(resumed.open(wsUrl(port(), QStringLiteral("presence=0&since=0&channel=") + channel)));
    QTRY_COMPARE_WITH_TIMEOUT(resumed.count(EventType::Message), 1101, 20000);
    const auto messages = resumed.eventsOfType(EventType::Message);
    QCOMPARE(QJsonDocument(QJsonArray{messages.first().data}).toJson(QJsonDocument::Compact), "[" + deep + "]");
    QCOMPARE(resumed.count(EventType::Gap), 0);
    QString why;
    QVERIFY2(clusterIntact(&why), qPrintable(why));
}

void TestHostile::webSocketQuery_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("errorCode");

    QTest::newRow("channel-slash") << QStringLiteral("channel=a%2Fb") << QStringLiteral("bad_channel");
    QTest::newRow("channel-65") << (QStringLiteral("channel=") + QString(65, QLatin1Char('c'))) << QStringLiteral("bad_channel");
    QTest::newRow("channel-empty") << QStringLiteral("channel=") << QStringLiteral("bad_channel");
    QTest::newRow("channel-traversal") << QStringLiteral("channel=..%2F..%2Fetc") << QStringLiteral("bad_channel");
    QTest::newRow("since-negative") << QStringLiteral("channel=h-q&since=-1") << QStringLiteral("bad_request");
    QTest::newRow("since-text") << QStringLiteral("channel=h-q&since=abc") << QStringLiteral("bad_request");
    QTest::newRow("since-past-2^53") << QStringLiteral("channel=h-q&since=9007199254740993") << QStringLiteral("bad_request");
    QTest::newRow("clientId-space") << QStringLiteral("channel=h-q&clientId=a%20b") << QStringLiteral("bad_request");
    QTest::newRow("presence-maybe") << QStringLiteral("channel=h-q&presence=maybe") << QStringLiteral("bad_request");
    QTest::newRow("channel-twice") << QStringLiteral("channel=h-q&channel=other") << QStringLiteral("bad_request");
    QTest::newRow("since-twice") << QStringLiteral("channel=h-q&since=1&since=0") << QStringLiteral("bad_request");
}

void TestHostile::webSocketQuery()
{
    QFETCH(QString, query);
    QFETCH(QString, errorCode);
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-q"))));
    WsClient client;
    QVERIFY(!client.open(wsUrl(port(), query)));
    QTRY_VERIFY_WITH_TIMEOUT(client.disconnected(), 5000);
    QCOMPARE(client.count(EventType::Error), 1);
    QCOMPARE(client.eventsOfType(EventType::Error).first().code, errorCode);
    QCOMPARE(client.closeCode(), 1008);
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-q"), 1, &why), qPrintable(why));
}

void TestHostile::cometQuery_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("errorCode");

    QTest::newRow("subscribe-channel-slash") << QByteArray("/xhr/subscribe?channel=a%2Fb") << QStringLiteral("bad_channel");
    QTest::newRow("subscribe-since-text") << QByteArray("/xhr/subscribe?channel=h-q&clientId=abc&since=x")
                                          << QStringLiteral("bad_request");
    QTest::newRow("subscribe-clientId-long") << ("/xhr/subscribe?channel=h-q&since=0&clientId=" + QByteArray(65, 'i'))
                                             << QStringLiteral("bad_request");
    QTest::newRow("publish-channel-traversal") << QByteArray("/xhr/publish?channel=..%2F..") << QStringLiteral("bad_channel");
    // nginx balances on the first clientId; a second one must not reach another session.
    QTest::newRow("subscribe-clientId-twice") << QByteArray("/xhr/subscribe?channel=h-q&clientId=a1&clientId=b2&since=0")
                                              << QStringLiteral("bad_request");
    QTest::newRow("publish-channel-twice") << QByteArray("/xhr/publish?channel=h-q&channel=h-other")
                                           << QStringLiteral("bad_request");
}

void TestHostile::cometQuery()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, errorCode);
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-q"))));
    const QByteArray method = target.startsWith("/xhr/publish") ? "POST" : "GET";
    const duplex::client::HttpResult r = httpCall(port(), method, target, method == "POST" ? QByteArray("x") : QByteArray());
    QVERIFY2(r.status == 400, r.body.constData());
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QStringLiteral("code")).toString(), errorCode);
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-q"), 1, &why), qPrintable(why));
}

void TestHostile::webSocketFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("binary");
    QTest::addColumn<int>("closeCode"); // 0: accepted and delivered

    // The default limit, 64 KiB, counts the frame's bytes.
    const QByteArray envelope = R"({"type":"publish","data":")";
    const auto sized = [&](int total) { return envelope + QByteArray(total - envelope.size() - 2, 'x') + "\"}"; };
    QTest::newRow("65536-bytes") << sized(65536) << false << 0;
    QTest::newRow("65537-bytes") << sized(65537) << false << 1009;
    QTest::newRow("binary") << QByteArray("\x01\x02") << true << 1003;
}

void TestHostile::webSocketFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(bool, binary);
    QFETCH(int, closeCode);
    const QString channel = QStringLiteral("h-frame-") + QString::fromLatin1(QTest::currentDataTag());
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    WsClient client;
    QVERIFY(client.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    if (binary)
        client.sendBinary(frame);
    else
        client.send(QString::fromUtf8(frame));
    if (closeCode == 0) {
        QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), 1, 10000);
        QVERIFY(client.isConnected());
    } else {
        QTRY_VERIFY_WITH_TIMEOUT(client.disconnected(), 10000);
        QCOMPARE(client.closeCode(), closeCode);
    }
    QString why;
    QVERIFY2(unharmed(bystander, channel, closeCode == 0 ? 2 : 1, &why), qPrintable(why));
}

void TestHostile::cometBodySize_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("status");
    QTest::newRow("65536-bytes") << 65536 << 200;
    QTest::newRow("65537-bytes") << 65537 << 413;
}

void TestHostile::cometBodySize()
{
    QFETCH(int, size);
    QFETCH(int, status);
    const QString channel = QStringLiteral("h-size-") + QString::fromLatin1(QTest::currentDataTag());
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    const duplex::client::HttpResult r =
        httpCall(port(), "POST", "/xhr/publish?channel=" + channel.toLatin1(), QByteArray(size, 't'));
    QVERIFY2(r.status == status, r.body.left(200).constData());
    if (status == 413)
        QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QStringLiteral("code")).toString(), QStringLiteral("too_large"));
    QString why;
    QVERIFY2(unharmed(bystander, channel, status == 200 ? 2 : 1, &why), qPrintable(why));
}

void TestHostile::slowReaderIsClosedByItsLag()
{
    SKIP_WHEN_SANITIZED();
    // A subscriber that stops reading while 400 x 60 KiB (more than every buffer on the
    // way) are published is closed once its oldest unsent byte is --max-lag old, by the
    // node's timer; the bystander reading at full speed on the same node is not.
    const QByteArray channel = "h-slow";
    RawWebSocket slow(QStringLiteral("127.0.0.1"), port(), nonReaderTarget(channel), RawWebSocket::Reading::Never);
    QVERIFY(openNonReader(slow));
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-slow"))));
    const double closedBefore = metric(duplex::util::Role::WebSocket, "duplex_slow_closed_total");
    WsClient publisher;
    QVERIFY(publisher.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-slow"))));
    const QString payload(60 * 1024, QLatin1Char('s'));
    const int count = 400;
    for (int i = 0; i < count; ++i)
        publisher.send(QStringLiteral(R"({"type":"publish","data":"%1"})").arg(payload));
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), count, 30000);
    QVERIFY2(QTest::qWaitFor([&] { return metric(duplex::util::Role::WebSocket, "duplex_slow_closed_total") > closedBefore; },
                             (kMaxLagSeconds + 10) * 1000),
             "the reader that stopped was never closed");
    QVERIFY(bystander.isConnected());
    QString why;
    QVERIFY2(unharmed(bystander, QString::fromLatin1(channel), count + 1, &why), qPrintable(why));
}

void TestHostile::backlogPastItsBytesIsClosedOnce()
{
    // The byte bound (--max-backlog at its least, 1 MiB, on a cluster of its own) closes a
    // reader that stopped as soon as an event passes it. Its `too_slow` error is itself
    // past the bound: sending it through the bound's check closed the client again, and
    // again, until the node's stack overflowed. The node must close it once and live.
    duplex::control::ClusterConfig config;
    config.serverArguments[duplex::util::Role::WebSocket] = {QStringLiteral("--max-backlog"), QStringLiteral("1048576")};
    QString error;
    const std::unique_ptr<Cluster> own = startTestCluster(1, 1, &error, config);
    QVERIFY2(own, qPrintable(error));
    const duplex::control::NodeStatus *ws = nullptr;
    const QList<duplex::control::NodeStatus> nodes = own->nodes();
    for (const auto &n : nodes) {
        if (n.role == duplex::util::Role::WebSocket)
            ws = &n;
    }
    QVERIFY(ws);
    RawWebSocket slow(QStringLiteral("127.0.0.1"), own->port(), nonReaderTarget("h-bytes"), RawWebSocket::Reading::Never);
    QVERIFY(openNonReader(slow));
    // Published over Comet, so no other WebSocket client shares the node's queues.
    const QByteArray body = "{\"data\":\"" + QByteArray(60 * 1024 - 20, 'b') + "\"}";
    for (int i = 0; i < 200; ++i)
        QCOMPARE(httpCall(own->port(), "POST", "/xhr/publish?channel=h-bytes", body).status, 200);
    const auto slowClosed = [&] {
        const duplex::client::HttpResult r = httpCall(ws->adminPort, "GET", "/metrics");
        return r.status == 200 ? duplex::metrics::Metrics::parse(r.body).value("duplex_slow_closed_total") : -1.0;
    };
    QVERIFY2(QTest::qWaitFor([&] { return slowClosed() >= 1; }, 10000), "the reader past the byte bound was never closed");
    QCOMPARE(slowClosed(), 1.0);
    for (const auto &n : own->nodes()) {
        if (n.role == duplex::util::Role::WebSocket) {
            QCOMPARE(n.pid, ws->pid);
            QCOMPARE(n.state, duplex::process::ChildProcess::State::Running);
        }
    }
    QVERIFY(stopTestCluster(own.get()));
}

void TestHostile::pingFloodFromANonReaderIsClosed()
{
    // Pings answered with pongs the client never reads: the node queues them without
    // sending anything itself, so only a measure of everything queued, over time, sees it.
    RawWebSocket flooder(QStringLiteral("127.0.0.1"), port(), nonReaderTarget("h-ping"), RawWebSocket::Reading::Never);
    QVERIFY(openNonReader(flooder));
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-ping"))));
    const double closedBefore = metric(duplex::util::Role::WebSocket, "duplex_slow_closed_total");
    const qint64 pid = node(duplex::util::Role::WebSocket)->pid;
    const double rssBefore = double(duplex::util::residentBytes(pid));
    // A masked client ping with 125 bytes, the most a control frame holds.
    const QByteArray ping = RawWebSocket::maskedFrame(0x9, QByteArray(125, 'p'));
    const int pings = 200000; // 25 MB of pongs, past the kernel's and nginx's buffers
    QByteArray burst;
    for (int i = 0; i < 1000; ++i)
        burst += ping;
    for (int i = 0; i < pings / 1000; ++i)
        flooder.write(burst);
    QVERIFY2(QTest::qWaitFor([&] { return metric(duplex::util::Role::WebSocket, "duplex_slow_closed_total") > closedBefore; },
                             (kMaxLagSeconds + 20) * 1000),
             "the ping flooder was never closed");
    qInfo("WebSocket node RSS before the ping flood %.1f MiB, after %.1f MiB", rssBefore / (1 << 20),
          double(duplex::util::residentBytes(pid)) / (1 << 20));
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-ping"), 1, &why), qPrintable(why));
}

void TestHostile::largeResumeAtFullSpeedIsNotSlow()
{
    // 1000 events of 16 KiB (16 MiB) resumed at once: more than any byte bound of one
    // event-loop turn, but read at full speed, so the client is never "too slow".
    const QString channel = QStringLiteral("h-big-resume");
    WsClient publisher;
    QVERIFY(publisher.open(wsUrl(port(), QStringLiteral("presence=0&channel=") + channel)));
    const QString payload(16 * 1024, QLatin1Char('r'));
    const int count = 1000;
    for (int i = 0; i < count; ++i) {
        publisher.send(QStringLiteral(R"({"type":"publish","id":%1,"data":"%2"})").arg(i).arg(payload));
        if (i % 200 == 199)
            QTRY_COMPARE_WITH_TIMEOUT(publisher.count(EventType::Ack), i + 1, 20000);
    }
    WsClient resumed;
    QVERIFY(resumed.open(wsUrl(port(), QStringLiteral("presence=0&since=0&channel=") + channel)));
    QTRY_COMPARE_WITH_TIMEOUT(resumed.count(EventType::Message), count, 30000);
    QCOMPARE(resumed.count(EventType::Error), 0);
    QCOMPARE(resumed.count(EventType::Gap), 0);
    QVERIFY(resumed.isConnected());
    QString why;
    QVERIFY2(unharmed(resumed, channel, count + 1, &why), qPrintable(why));
}

void TestHostile::malformedFloodIsClosed()
{
    // Each malformed frame is parsed and answered, so it costs a rate token: past the
    // burst (2000 at the default 1000/s) the flood is closed, error first.
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-badflood"))));
    WsClient flooder;
    QVERIFY(flooder.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-badflood"))));
    const double limitedBefore = metric(duplex::util::Role::WebSocket, "duplex_rate_limited_total");
    for (int i = 0; i < 5000; ++i)
        flooder.send(QStringLiteral("{not json"));
    QTRY_VERIFY_WITH_TIMEOUT(flooder.disconnected(), 20000);
    const auto errors = flooder.eventsOfType(EventType::Error);
    QVERIFY2(errors.size() >= 1000, qPrintable(QString::number(errors.size())));
    QCOMPARE(errors.first().code, QStringLiteral("bad_json"));
    // The node closes while the flood is still arriving: its close (error rate_limited,
    // then 1008) can be cut off on the way by the resets of sockets closed with unread
    // input, so the node's own count says why it closed.
    QCOMPARE(metric(duplex::util::Role::WebSocket, "duplex_rate_limited_total"), limitedBefore + 1);
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-badflood"), 1, &why), qPrintable(why));
}

void TestHostile::crowdedChannelStopsPresence()
{
    // Up to --presence-limit members each joins for everyone; past it nobody is sent join
    // or leave any more, and the welcome says so.
    const QString channel = QStringLiteral("h-crowd");
    std::vector<std::unique_ptr<WsClient>> members;
    for (int i = 0; i < kPresenceLimit; ++i) {
        members.push_back(std::make_unique<WsClient>());
        QVERIFY(members.back()->open(wsUrl(port(), QStringLiteral("channel=") + channel)));
        QVERIFY2(members.back()->welcome().presence, "within the limit, presence is sent");
    }
    QTRY_COMPARE_WITH_TIMEOUT(members.front()->count(EventType::Join), kPresenceLimit, 10000);
    WsClient crowded;
    QVERIFY(crowded.open(wsUrl(port(), QStringLiteral("channel=") + channel)));
    QVERIFY2(!crowded.welcome().presence, "past the limit, the welcome says presence is off");
    // The sentinel's sender joins too: neither join reaches anyone.
    QVERIFY(sentinel(*members.front(), channel, QStringLiteral("after the crowd")));
    QCOMPARE(members.front()->count(EventType::Join), kPresenceLimit);
    QCOMPARE(crowded.count(EventType::Join), 0);
    QCOMPARE(crowded.count(EventType::Message), 1);
    QString why;
    QVERIFY2(clusterIntact(&why), qPrintable(why));
}

void TestHostile::cometCrowdedChannelWelcomeSaysNoPresence()
{
    const QByteArray channel = "h-comet-crowd";
    for (int i = 0; i < kPresenceLimit; ++i) {
        const duplex::client::HttpResult welcome = httpCall(port(), "GET", "/xhr/subscribe?channel=" + channel);
        QCOMPARE(welcome.status, 200);
        const QJsonObject w = QJsonDocument::fromJson(welcome.body).array().first().toObject();
        QVERIFY2(w.value(QStringLiteral("presence")).toBool(), welcome.body.constData());
        // The first poll opens the session; its own join answers it.
        const duplex::client::HttpResult poll =
            httpCall(port(), "GET",
                     "/xhr/subscribe?channel=" + channel + "&clientId=" + w.value(QStringLiteral("clientId")).toString().toLatin1()
                         + "&since=" + QByteArray::number(w.value(QStringLiteral("seq")).toInteger()));
        QVERIFY2(poll.status == 200 && poll.body.contains("\"join\""), poll.body.constData());
    }
    const duplex::client::HttpResult crowded = httpCall(port(), "GET", "/xhr/subscribe?channel=" + channel);
    QCOMPARE(crowded.status, 200);
    QVERIFY2(crowded.body.contains("\"presence\":false"), crowded.body.constData());
    QString why;
    QVERIFY2(clusterIntact(&why), qPrintable(why));
}

void TestHostile::cometNewClientsPerAddressAreLimited()
{
    // What nginx does for a client at 203.0.113.9, straight to the Comet node: X-Real-IP
    // from loopback. Each new clientId is a session; a burst of twice the rate passes.
    const std::optional<duplex::control::NodeStatus> comet = node(duplex::util::Role::Comet);
    QVERIFY(comet);
    const quint16 cometPort = comet->port;
    const auto newClient = [&](const QByteArray &address, int n) {
        return httpCall(cometPort, "GET", "/xhr/subscribe?channel=h-newclients&clientId=nc-" + address + '-' + QByteArray::number(n),
                        {}, {}, 10000, {{"X-Real-IP", address}});
    };
    const int burst = 2 * kNewSessionsPerSecond;
    for (int i = 0; i < burst; ++i)
        QCOMPARE(newClient("203.0.113.9", i).status, 200); // each answered by its own join
    const duplex::client::HttpResult refused = newClient("203.0.113.9", burst);
    QCOMPARE(refused.status, 429);
    QCOMPARE(QJsonDocument::fromJson(refused.body).object().value(QStringLiteral("code")).toString(),
             QStringLiteral("rate_limited"));
    QVERIFY2(refused.body.contains("203.0.113.9"), refused.body.constData());
    // Another address has its own budget.
    QCOMPARE(newClient("203.0.113.10", 0).status, 200);
    // A client the node knows polls on whatever the rate of new ones.
    const duplex::client::HttpResult known =
        httpCall(cometPort, "POST", "/xhr/leave?channel=h-newclients&clientId=nc-203.0.113.9-0", {}, {}, 10000,
                 {{"X-Real-IP", "203.0.113.9"}});
    QCOMPARE(known.status, 200);
    QString why;
    QVERIFY2(clusterIntact(&why), qPrintable(why));
}

void TestHostile::nginxCannotBeToldAnotherAddress()
{
    // Through nginx a client's own X-Real-IP is replaced by its real address (loopback
    // here, not limited), so naming a victim's address spends nobody's budget. (One past
    // the burst, and within the presence limit so each poll is answered by its own join.)
    for (int i = 0; i <= 2 * kNewSessionsPerSecond; ++i) {
        const duplex::client::HttpResult r =
            httpCall(port(), "GET", "/xhr/subscribe?channel=h-spoof&clientId=sp-" + QByteArray::number(i), {}, {}, 10000,
                     {{"X-Real-IP", "203.0.113.77"}});
        QVERIFY2(r.status == 200, r.body.constData());
    }
}

void TestHostile::fullNodesRefuseWithRetry()
{
    // A cluster of its own whose nodes take two clients each.
    duplex::control::ClusterConfig config;
    const QStringList two{QStringLiteral("--max-connections"), QStringLiteral("2")};
    config.serverArguments[duplex::util::Role::WebSocket] = two;
    config.serverArguments[duplex::util::Role::Comet] = two;
    QString error;
    const std::unique_ptr<Cluster> small = startTestCluster(1, 1, &error, config);
    QVERIFY2(small, qPrintable(error));
    const quint16 smallPort = small->port();

    WsClient a, b, c;
    QVERIFY(a.open(wsUrl(smallPort, QStringLiteral("channel=h-full"))));
    QVERIFY(b.open(wsUrl(smallPort, QStringLiteral("channel=h-full"))));
    QVERIFY(!c.open(wsUrl(smallPort, QStringLiteral("channel=h-full"))));
    QTRY_VERIFY_WITH_TIMEOUT(c.disconnected(), 5000);
    QCOMPARE(c.closeCode(), 1008);
    QCOMPARE(c.count(EventType::Error), 1);
    QCOMPARE(c.eventsOfType(EventType::Error).first().code, QStringLiteral("unavailable"));
    // The two it holds are served as before.
    a.send(QStringLiteral("still here"));
    QTRY_COMPARE_WITH_TIMEOUT(b.count(EventType::Message), 1, 5000);

    for (int i = 0; i < 2; ++i) {
        const duplex::client::HttpResult r =
            httpCall(smallPort, "GET", "/xhr/subscribe?channel=h-full&clientId=full-" + QByteArray::number(i));
        QVERIFY2(r.status == 200, r.body.constData());
    }
    const duplex::client::HttpResult third = httpCall(smallPort, "GET", "/xhr/subscribe?channel=h-full&clientId=full-2");
    QCOMPARE(third.status, 503);
    QCOMPARE(QJsonDocument::fromJson(third.body).object().value(QStringLiteral("code")).toString(),
             QStringLiteral("unavailable"));
    QVERIFY(stopTestCluster(small.get()));
}

void TestHostile::invalidUtf8TextFrameIsClosed1007()
{
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-raw-utf8"))));
    FrameReadingSocket raw;
    QVERIFY(raw.open(port(), "h-raw-utf8"));
    QVERIFY(raw.waitFor(0x1).has_value()); // the welcome
    raw.send(RawWebSocket::maskedFrame(0x1, "{\"type\":\"publish\",\"data\":\"\xc0\xaf\"}"));
    const std::optional<QByteArray> close = raw.waitFor(0x8);
    QVERIFY2(close && close->size() >= 2, "no close frame");
    QCOMPARE((quint8(close->at(0)) << 8) | quint8(close->at(1)), 1007);
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-raw-utf8"), 1, &why), qPrintable(why));
}

void TestHostile::fragmentedPublishWithInterleavedPing()
{
    // A publish in two fragments with a ping between them, as RFC 6455 allows: the ping is
    // answered at once, and the message is the two fragments joined, published once.
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-raw-frag"))));
    FrameReadingSocket raw;
    QVERIFY(raw.open(port(), "h-raw-frag"));
    QVERIFY(raw.waitFor(0x1).has_value()); // the welcome
    raw.send(RawWebSocket::maskedFrame(0x1, R"({"type":"publish","data":"frag)", false));
    raw.send(RawWebSocket::maskedFrame(0x9, "between"));
    const std::optional<QByteArray> pong = raw.waitFor(0xA);
    QVERIFY2(pong && *pong == "between", "the ping between fragments was not answered");
    raw.send(RawWebSocket::maskedFrame(0x0, R"(mented"})", true));
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), 1, 10000);
    QCOMPARE(bystander.eventsOfType(EventType::Message).first().data, QJsonValue(QStringLiteral("fragmented")));
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-raw-frag"), 2, &why), qPrintable(why));
}

void TestHostile::slowlorisHandshakesHarmNobody()
{
    // 200 connections that send most of an upgrade request and then nothing: nginx holds
    // them (each until client_header_timeout) without a node ever seeing them, and every
    // other client connects and is served as usual meanwhile.
    std::vector<std::unique_ptr<QTcpSocket>> slow;
    for (int i = 0; i < 200; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, port());
        QVERIFY(socket->waitForConnected(5000));
        socket->write("GET /ws/?channel=h-loris HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
        slow.push_back(std::move(socket));
    }
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-loris"))));
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-loris"), 1, &why), qPrintable(why));
    QCOMPARE(metric(duplex::util::Role::WebSocket, "duplex_connections"), 1.0); // the bystander alone
}

void TestHostile::strangerOnTheBusSending16MiB()
{
    // Straight to the broker's port: 16 MiB without a newline and no hello. The broker
    // reads at most a hello's 4096 bytes, answers `refused` and closes; its memory does
    // not follow what was sent.
    const std::optional<duplex::control::NodeStatus> broker = node(duplex::util::Role::Broker);
    QVERIFY(broker);
    const qint64 brokerPid = broker->pid;
    const qint64 rssBefore = duplex::util::residentBytes(brokerPid);
    QTcpSocket stranger;
    stranger.connectToHost(QHostAddress::LocalHost, broker->port);
    QVERIFY(stranger.waitForConnected(5000));
    const QByteArray chunk(1024 * 1024, 'x');
    for (int i = 0; i < 16; ++i)
        stranger.write(chunk);
    QTRY_VERIFY_WITH_TIMEOUT(stranger.state() == QAbstractSocket::UnconnectedState, 10000);
    const qint64 grown = duplex::util::residentBytes(brokerPid) - rssBefore;
    QVERIFY2(grown < 4 * 1024 * 1024, qPrintable(QString::number(grown)));
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-stranger"))));
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-stranger"), 1, &why), qPrintable(why));
}

void TestHostile::staticTraversalThroughNginx_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("dot-dot") << QByteArray("/../../../../etc/passwd");
    QTest::newRow("encoded dots") << QByteArray("/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd");
    QTest::newRow("encoded slashes") << QByteArray("/..%2f..%2f..%2f..%2fetc%2fpasswd");
    QTest::newRow("double encoded") << QByteArray("/%252e%252e/%252e%252e/etc/passwd");
    QTest::newRow("backslashes") << QByteArray("/..%5c..%5c..%5cetc%5cpasswd");
    QTest::newRow("nul byte") << QByteArray("/index.html%00/../../etc/passwd");
}

void TestHostile::staticTraversalThroughNginx()
{
    QFETCH(QByteArray, target);
    const duplex::client::HttpResult r = httpCall(port(), "GET", target);
    QVERIFY2(r.status != 0, qPrintable(r.error));
    QVERIFY2(!r.body.contains("root:"), r.body.left(200).constData());
    QVERIFY2(r.status == 400 || r.status == 404, qPrintable(QString::number(r.status)));
    QString why;
    QVERIFY2(clusterIntact(&why), qPrintable(why));
}

void TestHostile::tenThousandChannelsFromOneClient()
{
    SKIP_WHEN_SANITIZED();
    // One client names 10,000 channels, one publish each (a clientId each, so the rate
    // limit per client does not stop it): the broker's memory grows by what 10,000 small
    // histories take and no more, and everyone else is served throughout.
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(port(), QStringLiteral("presence=0&channel=h-many"))));
    const qint64 brokerPid = node(duplex::util::Role::Broker)->pid;
    const qint64 rssBefore = duplex::util::residentBytes(brokerPid);
    const double channelsBefore = metric(duplex::util::Role::Broker, "duplex_channels");
    const int count = 10000;
    const QMap<int, int> statuses = sendMany(port(), "POST", count, [](int i) {
        return "/xhr/publish?channel=h-many-" + QByteArray::number(i) + "&clientId=mc-" + QByteArray::number(i);
    });
    QVERIFY2(statuses.value(200) == count, qPrintable(QStringLiteral("%1 of %2 answered 200").arg(statuses.value(200)).arg(count)));
    QCOMPARE(metric(duplex::util::Role::Broker, "duplex_channels"), channelsBefore + count);
    const qint64 grown = duplex::util::residentBytes(brokerPid) - rssBefore;
    qInfo("broker RSS grew %.1f MiB for %d channels", double(grown) / (1 << 20), count);
    // About 2 KiB a channel (its name, head, one event, parsed and as JSON, the log's
    // deque): 10,000 fit in 64 MiB many times over.
    QVERIFY2(grown < 64 * 1024 * 1024, qPrintable(QString::number(grown)));
    QString why;
    QVERIFY2(unharmed(bystander, QStringLiteral("h-many"), 1, &why), qPrintable(why));
}

void TestHostile::twentyThousandCometClientIds()
{
    SKIP_WHEN_SANITIZED();
    // 20,000 polls, each with a clientId the node has never seen, from loopback (not rate
    // limited per address), on a cluster of its own: its Comet node knows at most 2000
    // clients (--max-connections) and holds polls for 10 minutes, so no client is
    // forgotten (after twice the hold time) while the flood runs, whatever its speed. The
    // node answers the first 2000 and refuses every other one with 503, and its memory
    // stays bounded.
    duplex::control::ClusterConfig config;
    config.cometHoldSeconds = 600;
    const int limit = 2000;
    config.serverArguments[duplex::util::Role::Comet] = {QStringLiteral("--max-connections"), QString::number(limit)};
    QString error;
    const std::unique_ptr<Cluster> own = startTestCluster(1, 1, &error, config);
    QVERIFY2(own, qPrintable(error));
    const quint16 ownPort = own->port();
    const QByteArray channel = "h-ids";
    WsClient bystander;
    QVERIFY(bystander.open(wsUrl(ownPort, QStringLiteral("presence=0&channel=h-ids"))));
    bystander.send(QStringLiteral("first")); // so each poll at since=0 is answered at once
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), 1, 5000);
    const std::optional<duplex::control::NodeStatus> comet = nodeOf(*own, duplex::util::Role::Comet);
    QVERIFY(comet);
    const qint64 cometPid = comet->pid;
    const qint64 rssBefore = duplex::util::residentBytes(cometPid);
    const int count = 20000;
    const QMap<int, int> statuses = sendMany(ownPort, "GET", count, [&](int i) {
        return "/xhr/subscribe?presence=0&since=0&channel=" + channel + "&clientId=id-" + QByteArray::number(i);
    });
    QCOMPARE(statuses.value(200), limit);
    QCOMPARE(statuses.value(503), count - limit);
    QCOMPARE(metricOf(*own, duplex::util::Role::Comet, "duplex_connections"), double(limit));
    const qint64 grown = duplex::util::residentBytes(cometPid) - rssBefore;
    qInfo("Comet node RSS grew %.1f MiB for %d clients, %d refused", double(grown) / (1 << 20), statuses.value(200),
          statuses.value(503));
    QVERIFY2(grown < 64 * 1024 * 1024, qPrintable(QString::number(grown)));
    bystander.send(QStringLiteral("after"));
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), 2, 5000);
    QVERIFY(stopTestCluster(own.get()));
}

void TestHostile::channelsPastTheLimitAreRefusedAndIdleOnesForgotten()
{
    // A cluster of its own that numbers 40 channels at most, whose nodes forget a channel
    // nobody uses after half a second.
    duplex::control::ClusterConfig config;
    const int limit = 40;
    config.serverArguments[duplex::util::Role::Broker] = {QStringLiteral("--max-channels"), QString::number(limit)};
    const QStringList idle{QStringLiteral("--channel-idle"), QStringLiteral("0.5")};
    config.serverArguments[duplex::util::Role::WebSocket] = idle;
    config.serverArguments[duplex::util::Role::Comet] = idle;
    QString error;
    const std::unique_ptr<Cluster> own = startTestCluster(1, 1, &error, config);
    QVERIFY2(own, qPrintable(error));
    const quint16 ownPort = own->port();
    const auto ownMetric = [&own](duplex::util::Role role, const QByteArray &name) { return metricOf(*own, role, name); };
    WsClient bystander; // its join numbers the first channel
    QVERIFY(bystander.open(wsUrl(ownPort, QStringLiteral("presence=0&channel=h-cap"))));

    // 60 new channels, one publish each: the first 39 are numbered, the rest refused 503.
    const int count = 60;
    const QMap<int, int> statuses = sendMany(ownPort, "POST", count, [](int i) {
        return "/xhr/publish?channel=h-cap-" + QByteArray::number(i) + "&clientId=cap-" + QByteArray::number(i);
    });
    QCOMPARE(statuses.value(200), limit - 1);
    QCOMPARE(statuses.value(503), count - limit + 1);
    const duplex::client::HttpResult refused = httpCall(ownPort, "POST", "/xhr/publish?channel=h-cap-new", "x");
    QCOMPARE(refused.status, 503);
    const QJsonObject body = QJsonDocument::fromJson(refused.body).object();
    QCOMPARE(body.value(QStringLiteral("code")).toString(), QStringLiteral("unavailable"));
    QVERIFY2(body.value(QStringLiteral("message")).toString().contains(QStringLiteral("40 channels")), refused.body.constData());
    QCOMPARE(ownMetric(duplex::util::Role::Broker, "duplex_channels"), double(limit));
    QCOMPARE(ownMetric(duplex::util::Role::Broker, "duplex_channel_limit_rejections_total"), double(count - limit + 2));

    // Every node saw the 39 events; once idle, each keeps only the channels in use: the
    // bystander's on the WebSocket node, none on the Comet node.
    QTRY_COMPARE_WITH_TIMEOUT(ownMetric(duplex::util::Role::WebSocket, "duplex_channels"), 1.0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(ownMetric(duplex::util::Role::Comet, "duplex_channels"), 0.0, 10000);
    QVERIFY(ownMetric(duplex::util::Role::WebSocket, "duplex_channels_evicted_total") >= limit - 1);

    // A forgotten channel is looked up when a client comes: the welcome says where it
    // stands, and a resume from 0 gets its event from the broker's history.
    const double lookupsBefore = ownMetric(duplex::util::Role::WebSocket, "duplex_head_lookups_total");
    WsClient late;
    QVERIFY(late.open(wsUrl(ownPort, QStringLiteral("presence=0&since=0&channel=h-cap-3"))));
    QCOMPARE(late.eventsOfType(EventType::Welcome).constFirst().seq, qint64(1));
    QTRY_COMPARE_WITH_TIMEOUT(late.count(EventType::Message), 1, 5000);
    QCOMPARE(late.eventsOfType(EventType::Message).constFirst().seq, qint64(1));
    QCOMPARE(ownMetric(duplex::util::Role::WebSocket, "duplex_head_lookups_total"), lookupsBefore + 1);
    // The same on the Comet node.
    const duplex::client::HttpResult welcome = httpCall(ownPort, "GET", "/xhr/subscribe?channel=h-cap-5");
    QCOMPARE(welcome.status, 200);
    const QJsonObject welcomeEvent = QJsonDocument::fromJson(welcome.body).array().at(0).toObject();
    QCOMPARE(welcomeEvent.value(QStringLiteral("type")).toString(), QStringLiteral("welcome"));
    QCOMPARE(welcomeEvent.value(QStringLiteral("seq")).toInteger(), qint64(1));

    // The bystander's channel, numbered first, works throughout.
    bystander.send(QStringLiteral("after"));
    QTRY_COMPARE_WITH_TIMEOUT(bystander.count(EventType::Message), 1, 5000);
    QVERIFY(stopTestCluster(own.get()));
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
