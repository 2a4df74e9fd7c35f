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

private:
    quint16 port() const { return m_cluster->port(); }
    // Every node runs as it did at the start: none died, none restarted.
    bool clusterIntact(QString *why) const;
    // Publishes `marker` from a fresh client on `channel` and waits until `bystander` has it:
    // the channel is totally ordered, so everything sequenced before it has arrived too.
    bool sentinel(WsClient &bystander, const QString &channel, const QString &marker);

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
    QVERIFY(sentinel(bystander, channel, QStringLiteral("after")));
    QCOMPARE(bystander.count(EventType::Message), errorCode.isEmpty() ? 2 : 1);
    QString why;
    QVERIFY2(clusterIntact(&why), qPrintable(why));
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
    QVERIFY(sentinel(bystander, channel, QStringLiteral("after")));
    QCOMPARE(bystander.count(EventType::Message), status == 200 ? 2 : 1);
    QString why;
    QVERIFY2(clusterIntact(&why), qPrintable(why));
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

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
