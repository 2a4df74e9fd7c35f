// The bad-input catalogue (issue 13), through nginx against a real cluster: each case
// sends what a hostile or broken client would and checks the answer the contract and
// docs/PROTOCOL.md give, that no process of the cluster died, and that a bystander on the
// same channel received every good event exactly once and nothing else.
#include "control/cluster.h"
#include "httpcall.h"
#include "protocol/inputpolicy.h"
#include "testcluster.h"
#include "wsclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <memory>

using duplex::control::Cluster;
using duplex::protocol::EventType;

namespace {

// `depth` arrays nested around 1: "[[1]]" is 2 deep.
QByteArray nested(int depth)
{
    return QByteArray(depth, '[') + '1' + QByteArray(depth, ']');
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

    std::unique_ptr<Cluster> m_cluster;
    QHash<QString, qint64> m_pids; // node name -> pid at the start
};

void TestHostile::initTestCase()
{
    QString error;
    m_cluster = startTestCluster(1, 1, &error);
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

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
