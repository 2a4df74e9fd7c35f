// The Comet surface of CONTRACT.md through real nginx, against a real cluster (broker, one
// WebSocket node, two Comet nodes under ip_hash, static node, nginx) started by the core's
// Cluster, with a 2 s hold time so timeouts are quick to see.
#include "client/cometclient.h"
#include "client/websocketclient.h"
#include "control/cluster.h"
#include "metrics/metrics.h"
#include "httpcall.h"
#include "testcluster.h"
#include "protocol/codec.h"
#include "wsclient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

using duplex::client::CometClient;
using duplex::client::HttpConnection;
using duplex::client::HttpResult;
using duplex::control::Cluster;
using duplex::util::Role;
using duplex::protocol::Event;
using duplex::protocol::EventType;

namespace {

constexpr int kHoldSeconds = 2;

// A Comet subscriber that keeps everything it receives.
struct Subscriber
{
    std::unique_ptr<CometClient> client;
    Event welcome;
    QList<Event> events;
    QList<Event> messages;
    int reconnects = 0;
    QStringList errors;

    Subscriber(quint16 port, const QString &channel, const QHostAddress &source = {})
    {
        CometClient::Options options;
        options.port = port;
        options.channel = channel;
        options.source = source;
        options.retryMinMs = 50;
        options.retryMaxMs = 500;
        client = std::make_unique<CometClient>(options);
        QObject::connect(client.get(), &CometClient::welcomed, client.get(), [this](const Event &e) { welcome = e; });
        QObject::connect(client.get(), &CometClient::eventReceived, client.get(), [this](const Event &e) {
            events << e;
            if (e.type == EventType::Message)
                messages << e;
        });
        QObject::connect(client.get(), &CometClient::reconnecting, client.get(), [this] { ++reconnects; });
        QObject::connect(client.get(), &CometClient::errorOccurred, client.get(), [this](const QString &m) { errors << m; });
    }

    bool start(int timeoutMs = 5000)
    {
        client->start();
        return QTest::qWaitFor([this] { return !welcome.clientId.isEmpty(); }, timeoutMs);
    }
};

QByteArray target(const QString &path, const QString &query)
{
    return (path + QLatin1Char('?') + query).toUtf8();
}

} // namespace

class TestComet final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void welcomeThroughNginx();
    void errors_data();
    void errors();
    void cometAndWebSocketShareSeq();
    void retriedPublishIsSequencedOnce();
    void noLossAtTwoHundredPerSecond();
    void webSocketClientSeesPresence();
    void presenceOffMeansMessagesOnly();
    void holdTimeoutAnswersEmpty();
    void pollWithoutSinceContinuesFromCursor();
    void disconnectMidPollDoesNotHurt();
    void thousandParkedPollsAnsweredByOnePublish();
    void ipHashSpreadsSourceAddresses();
    void idleClientLeaves();
    void leaveIsImmediate();
    void clientBalanceKeepsAClientOnOneNode();
    void addedCometNodeTakesPolls();
    void killedNodeUnderLoadLosesNothing();
    void noCometNodeIsA503();

private:
    quint16 port() const { return m_cluster->port(); }
    QList<duplex::control::NodeStatus> cometNodes() const;
    double metricSum(const QByteArray &name) const;

    std::unique_ptr<Cluster> m_cluster;
};

namespace {

// Starts broker, one WebSocket node, two Comet nodes holding polls `holdSeconds`, the
// static node and nginx on an ephemeral port; null (with a failure recorded) if it fails.
std::unique_ptr<Cluster> startCluster(int holdSeconds,
                                      duplex::nginx::CometBalance balance = duplex::nginx::CometBalance::IpHash)
{
    duplex::control::ClusterConfig config;
    config.cometBalance = balance;
    config.cometHoldSeconds = holdSeconds;
    config.statsIntervalMs = 200;
    QString error;
    auto cluster = startTestCluster(1, 2, &error, config);
    if (!cluster)
        qWarning("cluster did not start: %s", qPrintable(error));
    return cluster;
}

QList<duplex::control::NodeStatus> runningCometNodes(const Cluster &cluster)
{
    QList<duplex::control::NodeStatus> out;
    for (const auto &n : cluster.nodes()) {
        if (n.role == duplex::util::Role::Comet && n.state == duplex::process::ChildProcess::State::Running)
            out << n;
    }
    return out;
}

// The sum of one metric over the running Comet nodes, read from their admin ports.
double cometMetric(const Cluster &cluster, const QByteArray &name)
{
    double sum = 0;
    for (const auto &node : runningCometNodes(cluster)) {
        const HttpResult r = httpCall(node.adminPort, "GET", "/metrics");
        sum += duplex::metrics::Metrics::parse(r.body).value(name, 0);
    }
    return sum;
}

} // namespace

void TestComet::initTestCase()
{
    m_cluster = startCluster(kHoldSeconds);
    QVERIFY(m_cluster);
    QCOMPARE(cometNodes().size(), 2);
}

void TestComet::cleanupTestCase()
{
    if (m_cluster)
        QVERIFY(stopTestCluster(m_cluster.get()));
}

QList<duplex::control::NodeStatus> TestComet::cometNodes() const
{
    return runningCometNodes(*m_cluster);
}

double TestComet::metricSum(const QByteArray &name) const
{
    return cometMetric(*m_cluster, name);
}

void TestComet::welcomeThroughNginx()
{
    const HttpResult r = httpCall(port(), "GET", "/xhr/subscribe?channel=t-welcome");
    QCOMPARE(r.status, 200);
    QCOMPARE(headerValue(r, "Content-Type"), QByteArray("application/json"));
    QCOMPARE(headerValue(r, "Cache-Control"), QByteArray("no-store"));
    const auto list = duplex::protocol::parseEventList(r.body);
    QCOMPARE(list.status, duplex::protocol::EventParse::Status::Ok);
    QCOMPARE(list.events.size(), 1);
    const Event &welcome = list.events.first();
    QCOMPARE(welcome.type, EventType::Welcome);
    QCOMPARE(welcome.channel, QStringLiteral("t-welcome"));
    QVERIFY(duplex::protocol::isValidClientId(welcome.clientId));
    QVERIFY2(welcome.node.startsWith(QLatin1String("comet-")), qPrintable(welcome.node));
    QCOMPARE(welcome.seq, 0);

    // The client's own join is the first event after the welcome.
    const HttpResult poll = httpCall(port(), "GET",
                                     target(QStringLiteral("/xhr/subscribe"),
                                            QStringLiteral("channel=t-welcome&clientId=%1&since=0").arg(welcome.clientId)));
    QCOMPARE(poll.status, 200);
    QCOMPARE(headerValue(poll, "X-Duplex-Node"), welcome.node.toUtf8()); // the same node, by ip_hash
    const auto events = duplex::protocol::parseEventList(poll.body).events;
    QVERIFY2(!events.isEmpty(), poll.body.constData());
    QCOMPARE(events.first().type, EventType::Join);
    QCOMPARE(events.first().seq, 1);
    QCOMPARE(events.first().clientId, welcome.clientId);
    QCOMPARE(events.first().transport, QStringLiteral("comet"));
}

void TestComet::errors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    QTest::newRow("bad-channel") << QByteArray("GET") << QByteArray("/xhr/subscribe?channel=a%2Fb") << QByteArray() << 400
                                 << "bad_channel";
    QTest::newRow("long-channel") << QByteArray("GET") << ("/xhr/subscribe?channel=" + QByteArray(65, 'c')) << QByteArray()
                                  << 400 << "bad_channel";
    QTest::newRow("since-negative") << QByteArray("GET") << QByteArray("/xhr/subscribe?clientId=abc&since=-1") << QByteArray()
                                    << 400 << "bad_request";
    QTest::newRow("since-huge") << QByteArray("GET") << QByteArray("/xhr/subscribe?clientId=abc&since=99999999999999999999")
                                << QByteArray() << 400 << "bad_request";
    QTest::newRow("since-text") << QByteArray("GET") << QByteArray("/xhr/subscribe?clientId=abc&since=x") << QByteArray() << 400
                                << "bad_request";
    QTest::newRow("bad-clientId") << QByteArray("GET") << QByteArray("/xhr/subscribe?clientId=a%20b") << QByteArray() << 400
                                  << "bad_request";
    QTest::newRow("publish-bad-json") << QByteArray("POST") << QByteArray("/xhr/publish?channel=t-err&clientId=abc")
                                      << QByteArray("{\"data\":") << 400 << "bad_json";
    QTest::newRow("publish-not-publish") << QByteArray("POST") << QByteArray("/xhr/publish?channel=t-err&clientId=abc")
                                         << QByteArray("{\"nodata\":1}") << 400 << "bad_json";
    QTest::newRow("publish-too-large") << QByteArray("POST") << QByteArray("/xhr/publish?channel=t-err&clientId=abc")
                                       << QByteArray(70000, 'x') << 413 << "too_large";
    QTest::newRow("publish-bad-channel") << QByteArray("POST") << QByteArray("/xhr/publish?channel=%00") << QByteArray("hi")
                                         << 400 << "bad_channel";
    QTest::newRow("unknown-path") << QByteArray("GET") << QByteArray("/xhr/nope") << QByteArray() << 404 << "not_found";
    QTest::newRow("get-publish") << QByteArray("GET") << QByteArray("/xhr/publish") << QByteArray() << 405
                                 << "method_not_allowed";
    QTest::newRow("post-subscribe") << QByteArray("POST") << QByteArray("/xhr/subscribe") << QByteArray("x") << 405
                                    << "method_not_allowed";
    QTest::newRow("get-leave") << QByteArray("GET") << QByteArray("/xhr/leave?channel=t-err&clientId=abc") << QByteArray() << 405
                               << "method_not_allowed";
    QTest::newRow("leave-without-client") << QByteArray("POST") << QByteArray("/xhr/leave?channel=t-err") << QByteArray() << 400
                                          << "bad_request";
    QTest::newRow("leave-bad-channel") << QByteArray("POST") << QByteArray("/xhr/leave?channel=a%2Fb&clientId=abc") << QByteArray()
                                       << 400 << "bad_channel";
    QTest::newRow("leave-unknown-client") << QByteArray("POST") << QByteArray("/xhr/leave?channel=t-err&clientId=nobody")
                                          << QByteArray() << 404 << "unknown_client";
}

void TestComet::errors()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);

    const HttpResult r = httpCall(port(), method, target, body);
    QVERIFY2(r.status == status, qPrintable(QStringLiteral("status %1 (%2): %3").arg(r.status).arg(r.error, QString::fromUtf8(r.body))));
    QCOMPARE(headerValue(r, "Content-Type"), QByteArray("application/json"));
    QCOMPARE(headerValue(r, "Cache-Control"), QByteArray("no-store"));
    const auto parsed = duplex::protocol::parseEvent(r.body);
    QCOMPARE(parsed.status, duplex::protocol::EventParse::Status::Ok);
    QCOMPARE(parsed.event.type, EventType::Error);
    QCOMPARE(parsed.event.code, code);
    QVERIFY(!parsed.event.message.isEmpty());
    if (status == 405)
        QVERIFY(!headerValue(r, "Allow").isEmpty());

    // The nodes are still there for everyone else.
    QCOMPARE(httpCall(port(), "GET", "/xhr/subscribe?channel=t-err").status, 200);
}

void TestComet::retriedPublishIsSequencedOnce()
{
    // A POST sent again with its id (its answer lost, nginx's 503): answered with the first
    // seq, the event delivered once.
    WsClient watcher;
    QVERIFY(watcher.open(wsUrl(port(), QStringLiteral("presence=0&channel=t-retry"))));
    const QByteArray path = "/xhr/publish?channel=t-retry&clientId=retrier";
    const QByteArray body = R"({"data":"once","id":"p-1"})";
    const HttpResult first = httpCall(port(), "POST", path, body);
    const HttpResult second = httpCall(port(), "POST", path, body);
    QCOMPARE(first.status, 200);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, first.body);
    // From another address, so ip_hash may pick the other node: the broker decides.
    const HttpResult third = httpCall(port(), "POST", path, body, QHostAddress(QStringLiteral("127.0.7.1")));
    QCOMPARE(third.body, first.body);
    // Another id is a new event, and the sentinel.
    QCOMPARE(httpCall(port(), "POST", path, R"({"data":"sentinel","id":"p-2"})").status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.count(EventType::Message), 2, 5000);
    const QList<Event> seen = watcher.eventsOfType(EventType::Message);
    QCOMPARE(seen[0].data, QJsonValue(QStringLiteral("once")));
    QCOMPARE(QByteArray("{\"seq\":") + QByteArray::number(seen[0].seq) + '}', first.body);
}

void TestComet::cometAndWebSocketShareSeq()
{
    const QString channel = QStringLiteral("t-mixed");
    Subscriber comet(port(), channel);
    QVERIFY(comet.start());
    WsClient ws;
    QVERIFY(ws.open(wsUrl(port(), QStringLiteral("channel=") + channel)));

    QSignalSpy published(comet.client.get(), &CometClient::published);
    for (int i = 0; i < 10; ++i) {
        comet.client->publish(QJsonObject{{QStringLiteral("from"), QStringLiteral("comet")}, {QStringLiteral("n"), i}});
        ws.send(QStringLiteral(R"({"type":"publish","data":{"from":"ws","n":%1}})").arg(i));
    }
    QTRY_COMPARE_WITH_TIMEOUT(published.size(), 10, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(ws.count(EventType::Message), 20, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(comet.messages.size(), 20, 5000);
    const QList<Event> wsMessages = ws.eventsOfType(EventType::Message);
    for (int i = 0; i < 20; ++i) {
        QCOMPARE(comet.messages[i].seq, wsMessages[i].seq);
        QCOMPARE(comet.messages[i].data, wsMessages[i].data);
        QCOMPARE(comet.messages[i].clientId, wsMessages[i].clientId);
    }
    // The seq each publish was answered with is the seq everyone saw for it.
    for (const QVariantList &args : published) {
        const qint64 seq = args.first().toLongLong();
        const auto it = std::find_if(wsMessages.cbegin(), wsMessages.cend(), [seq](const Event &e) { return e.seq == seq; });
        QVERIFY(it != wsMessages.cend());
        QCOMPARE(it->clientId, comet.welcome.clientId);
    }
    // Each side saw the other join, with its transport.
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(comet.events.cbegin(), comet.events.cend(), [&ws](const Event &e) {
        return e.type == EventType::Join && e.clientId == ws.welcome().clientId && e.transport == QLatin1String("ws");
    }), 5000);
    const QList<Event> wsJoins = ws.eventsOfType(EventType::Join);
    QVERIFY(std::none_of(wsJoins.cbegin(), wsJoins.cend(), [](const Event &e) { return e.transport.isEmpty(); }));
    QCOMPARE(comet.client->duplicatesDropped(), 0);
}

void TestComet::webSocketClientSeesPresence()
{
    // WebSocketClient reads join and leave frames without the JSON parser; what it
    // reports must be exactly what the Comet side gets through the parser.
    const QString channel = QStringLiteral("t-presence");
    duplex::client::WebSocketClient::Options options;
    options.port = port();
    options.channel = channel;
    duplex::client::WebSocketClient ws(options);
    QList<Event> wsEvents;
    connect(&ws, &duplex::client::WebSocketClient::eventReceived, this, [&wsEvents](const Event &e) { wsEvents << e; });
    QSignalSpy welcomed(&ws, &duplex::client::WebSocketClient::welcomed);
    ws.start();
    QTRY_COMPARE_WITH_TIMEOUT(welcomed.size(), 1, 5000);

    Subscriber comet(port(), channel);
    QVERIFY(comet.start());
    QTRY_VERIFY_WITH_TIMEOUT(!comet.events.isEmpty(), 5000); // its own join
    const Event cometJoin = comet.events.first();
    QCOMPARE(cometJoin.type, EventType::Join);
    comet.client->stop();
    // Its own join first (the full frame as the node wrote it), then the Comet client's.
    auto joinOf = [&wsEvents](const QString &id) {
        return std::find_if(wsEvents.cbegin(), wsEvents.cend(),
                            [&id](const Event &e) { return e.type == EventType::Join && e.clientId == id; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(joinOf(comet.welcome.clientId) != wsEvents.cend(), 5000);
    QVERIFY(joinOf(ws.clientId()) != wsEvents.cend());
    QCOMPARE(joinOf(ws.clientId())->transport, QStringLiteral("ws"));
    const Event seen = *joinOf(comet.welcome.clientId);
    QCOMPARE(seen.seq, cometJoin.seq);
    QCOMPARE(seen.channel, channel);
    QCOMPARE(seen.transport, QStringLiteral("comet"));
    // A message after it still goes through the full parser, in order.
    const int before = int(wsEvents.size());
    ws.publish(QStringLiteral("after the join"));
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(wsEvents.cbegin(), wsEvents.cend(),
                                         [](const Event &e) { return e.type == EventType::Message; }), 5000);
    const Event &message = wsEvents.last();
    QCOMPARE(message.type, EventType::Message);
    QVERIFY(message.seq > seen.seq);
    QCOMPARE(message.data.toString(), QStringLiteral("after the join"));
    QVERIFY(int(wsEvents.size()) > before);
    QCOMPARE(ws.duplicatesDropped(), 0);
    ws.stop();
}

void TestComet::presenceOffMeansMessagesOnly()
{
    // presence=0 on both transports: the same messages with the same seqs as a client
    // that sees everything, and not one join or leave.
    const QString channel = QStringLiteral("t-quiet");
    Subscriber everything(port(), channel);
    QVERIFY(everything.start());
    CometClient::Options cometOptions;
    cometOptions.port = port();
    cometOptions.channel = channel;
    cometOptions.presence = false;
    CometClient quietComet(cometOptions);
    QList<Event> cometEvents;
    connect(&quietComet, &CometClient::eventReceived, this, [&cometEvents](const Event &e) { cometEvents << e; });
    quietComet.start();
    duplex::client::WebSocketClient::Options wsOptions;
    wsOptions.port = port();
    wsOptions.channel = channel;
    wsOptions.presence = false;
    duplex::client::WebSocketClient quietWs(wsOptions);
    QList<Event> wsEvents;
    connect(&quietWs, &duplex::client::WebSocketClient::eventReceived, this, [&wsEvents](const Event &e) { wsEvents << e; });
    QSignalSpy wsWelcomed(&quietWs, &duplex::client::WebSocketClient::welcomed);
    quietWs.start();
    QTRY_COMPARE_WITH_TIMEOUT(wsWelcomed.size(), 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!quietComet.clientId().isEmpty(), 5000);

    // Joins come and go around the messages.
    for (int i = 0; i < 5; ++i) {
        Subscriber passer(port(), channel);
        QVERIFY(passer.start());
        QTRY_VERIFY_WITH_TIMEOUT(!passer.events.isEmpty(), 5000);
        everything.client->publish(i);
    }
    QTRY_COMPARE_WITH_TIMEOUT(everything.messages.size(), 5, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(cometEvents.size(), 5, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(wsEvents.size(), 5, 5000);
    // A sentinel message last: the channel is totally ordered, so any presence event that
    // slipped through to the quiet clients would have reached them before it.
    everything.client->publish(5);
    QTRY_COMPARE_WITH_TIMEOUT(everything.messages.size(), 6, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!cometEvents.isEmpty() && cometEvents.last().seq == everything.messages.last().seq, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!wsEvents.isEmpty() && wsEvents.last().seq == everything.messages.last().seq, 5000);
    QCOMPARE(cometEvents.size(), 6);
    QCOMPARE(wsEvents.size(), 6);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(cometEvents.at(i).type, EventType::Message);
        QCOMPARE(wsEvents.at(i).type, EventType::Message);
        QCOMPARE(cometEvents.at(i).seq, everything.messages.at(i).seq);
        QCOMPARE(wsEvents.at(i).seq, everything.messages.at(i).seq);
        QCOMPARE(cometEvents.at(i).data.toInt(), i);
    }
    // The seqs in between were joins, which the full view has.
    QVERIFY(everything.messages.at(1).seq - everything.messages.at(0).seq > 1);
    quietComet.stop();
    quietWs.stop();
}

void TestComet::noLossAtTwoHundredPerSecond()
{
    const QString channel = QStringLiteral("t-rate");
    Subscriber comet(port(), channel);
    QVERIFY(comet.start());
    WsClient publisher;
    QVERIFY(publisher.open(wsUrl(port(), QStringLiteral("channel=") + channel)));

    constexpr int kCount = 500;
    int sent = 0;
    QTimer pace;
    pace.setTimerType(Qt::PreciseTimer);
    pace.setInterval(5); // 200 messages per second
    connect(&pace, &QTimer::timeout, &pace, [&] {
        publisher.send(QStringLiteral(R"({"type":"publish","data":%1})").arg(sent));
        if (++sent == kCount)
            pace.stop();
    });
    pace.start();
    QTRY_COMPARE_WITH_TIMEOUT(sent, kCount, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(comet.messages.size(), kCount, 10000);
    for (int i = 0; i < kCount; ++i) {
        QCOMPARE(comet.messages[i].data.toInt(), i);
        if (i > 0)
            QVERIFY(comet.messages[i].seq > comet.messages[i - 1].seq);
    }
    QCOMPARE(comet.client->duplicatesDropped(), 0);
    QCOMPARE(comet.reconnects, 0);
    QVERIFY(comet.errors.isEmpty());
    qInfo("500 messages at 200/s reached the Comet client in %lld polls", comet.client->pollsCompleted());
}

void TestComet::holdTimeoutAnswersEmpty()
{
    const HttpResult welcome = httpCall(port(), "GET", "/xhr/subscribe?channel=t-hold");
    const Event w = duplex::protocol::parseEventList(welcome.body).events.value(0);
    QVERIFY(!w.clientId.isEmpty());
    // At the head (past the client's own join), nothing happens: [] after the hold time.
    QElapsedTimer clock;
    clock.start();
    const HttpResult r = httpCall(port(), "GET",
                                  target(QStringLiteral("/xhr/subscribe"),
                                         QStringLiteral("channel=t-hold&clientId=%1&since=%2").arg(w.clientId).arg(w.seq + 1)),
                                  {}, {}, (kHoldSeconds + 10) * 1000);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("[]"));
    QCOMPARE(headerValue(r, "Cache-Control"), QByteArray("no-store"));
    // Held, not answered at once (a lower bound only: a busy machine makes it later).
    QVERIFY2(clock.elapsed() >= (kHoldSeconds - 1) * 1000, qPrintable(QString::number(clock.elapsed())));
}

void TestComet::pollWithoutSinceContinuesFromCursor()
{
    // The node remembers what it answered: a poll without `since` goes on from there.
    const quint16 p = port();
    const HttpResult welcome = httpCall(p, "GET", "/xhr/subscribe?channel=t-cursor");
    const QString id = duplex::protocol::parseEventList(welcome.body).events.value(0).clientId;
    const QByteArray poll = target(QStringLiteral("/xhr/subscribe"), QStringLiteral("channel=t-cursor&clientId=%1").arg(id));
    const HttpResult first = httpCall(p, "GET", poll); // the client's own join
    QCOMPARE(first.status, 200);
    QCOMPARE(duplex::protocol::parseEventList(first.body).events.value(0).type, EventType::Join);
    QCOMPARE(httpCall(p, "POST", target(QStringLiteral("/xhr/publish"), QStringLiteral("channel=t-cursor&clientId=%1").arg(id)),
                      "{\"data\":\"one\"}").body,
             QByteArray("{\"seq\":2}"));
    const HttpResult second = httpCall(p, "GET", poll);
    const auto events = duplex::protocol::parseEventList(second.body).events;
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.first().seq, 2);
    QCOMPARE(events.first().data.toString(), QStringLiteral("one"));
}

void TestComet::disconnectMidPollDoesNotHurt()
{
    const QString channel = QStringLiteral("t-abort");
    Subscriber bystander(port(), channel);
    QVERIFY(bystander.start());
    const QList<duplex::control::NodeStatus> before = cometNodes();
    const double abandonedBefore = metricSum("duplex_polls_abandoned_total");

    // Clients that go away mid-poll, through nginx and straight at each node, after
    // different delays: before the request is complete, while parked, as an answer comes.
    QList<quint16> targets{port()};
    for (const auto &node : before)
        targets << node.port;
    constexpr int kRounds = 60;
    int aborted = 0;
    for (int round = 0; round < kRounds; ++round) {
        for (const quint16 p : targets) {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, p);
            QVERIFY(socket.waitForConnected(5000));
            const QByteArray request = "GET /xhr/subscribe?channel=t-abort&clientId=aborter" + QByteArray::number(round) +
                                       "&since=999999 HTTP/1.1\r\nHost: x\r\n\r\n";
            if (round % 3 == 0)
                socket.write(request.left(request.size() / 2)); // half a request
            else
                socket.write(request);
            socket.flush();
            QTest::qWait(round % 4 == 0 ? 0 : 10);
            if (round % 5 == 0) // an event arrives while the poll is parked or being torn down
                bystander.client->publish(round);
            socket.abort();
            ++aborted;
        }
    }
    QCOMPARE(aborted, kRounds * int(targets.size()));

    // Both nodes are the same processes, still serving, and the bystander lost nothing.
    const QList<duplex::control::NodeStatus> after = cometNodes();
    QCOMPARE(after.size(), before.size());
    for (int i = 0; i < after.size(); ++i)
        QCOMPARE(after[i].pid, before[i].pid);
    const int publishes = kRounds / 5 * int(targets.size());
    QTRY_COMPARE_WITH_TIMEOUT(bystander.messages.size(), publishes, 5000);
    bystander.client->publish(QStringLiteral("after"));
    QTRY_COMPARE_WITH_TIMEOUT(bystander.messages.size(), publishes + 1, 5000);
    QCOMPARE(bystander.messages.last().data.toString(), QStringLiteral("after"));
    // The nodes noticed the clients that left (parked ones are dropped at once).
    QTRY_VERIFY_WITH_TIMEOUT(metricSum("duplex_polls_abandoned_total") > abandonedBefore, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(metricSum("duplex_polls_parked"), 1.0, 5000); // the bystander's
}

void TestComet::thousandParkedPollsAnsweredByOnePublish()
{
    // A cluster of its own whose polls stay parked long enough to count them all.
    const std::unique_ptr<Cluster> cluster = startCluster(120);
    QVERIFY(cluster);
    auto port = [&cluster] { return cluster->port(); };
    auto metricSum = [&cluster](const QByteArray &name) { return cometMetric(*cluster, name); };
    constexpr int kPolls = 1000;
    const QString channel = QStringLiteral("t-thousand");
    std::vector<std::unique_ptr<HttpConnection>> connections;
    QStringList ids;
    int welcomed = 0;
    for (int i = 0; i < kPolls; ++i) {
        // Spread over /24 sources so both nodes hold some of them.
        connections.push_back(std::make_unique<HttpConnection>(
            QStringLiteral("127.0.0.1"), port(), QHostAddress(QStringLiteral("127.0.%1.1").arg(i % 8 + 1))));
        ids << QString();
        connections.back()->request("GET", "/xhr/subscribe?channel=t-thousand", {}, {}, 10000,
                                    [&ids, &welcomed, i](const HttpResult &r) {
                                        ids[i] = duplex::protocol::parseEventList(r.body).events.value(0).clientId;
                                        ++welcomed;
                                    });
    }
    QTRY_COMPARE_WITH_TIMEOUT(welcomed, kPolls, 30000);
    QVERIFY(!ids.contains(QString()));
    // The watcher's join is seq 1; each client's first poll sequences its join, so the
    // head is 1 + kPolls once every poll has arrived, and the publish is the next seq.
    WsClient watcher;
    QVERIFY(watcher.open(wsUrl(port(), QStringLiteral("channel=") + channel)));
    QTRY_COMPARE_WITH_TIMEOUT(watcher.count(EventType::Join), 1, 5000);
    const qint64 head = 1 + kPolls;

    const double parkedBefore = metricSum("duplex_polls_parked");
    std::vector<QByteArray> answers(kPolls);
    int answered = 0;
    for (int i = 0; i < kPolls; ++i) {
        connections[size_t(i)]->request(
            "GET", target(QStringLiteral("/xhr/subscribe"), QStringLiteral("channel=%1&clientId=%2&since=%3").arg(channel, ids[i]).arg(head)),
            {}, {}, 60000, [&answers, &answered, i](const HttpResult &r) {
                answers[size_t(i)] = r.status == 200 ? r.body : QByteArray::number(r.status) + ' ' + r.error.toUtf8();
                ++answered;
            });
    }
    QTRY_COMPARE_WITH_TIMEOUT(metricSum("duplex_polls_parked"), parkedBefore + kPolls, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.count(EventType::Join), 1 + kPolls, 10000);
    QCOMPARE(answered, 0); // their own joins are at or below `since`: all still parked

    const HttpResult published = httpCall(port(), "POST", "/xhr/publish?channel=t-thousand&clientId=sender", "{\"data\":\"all\"}");
    QCOMPARE(published.body, "{\"seq\":" + QByteArray::number(head + 1) + '}');
    QTRY_COMPARE_WITH_TIMEOUT(answered, kPolls, 20000);
    for (int i = 0; i < kPolls; ++i) {
        const auto events = duplex::protocol::parseEventList(answers[size_t(i)]).events;
        QVERIFY2(events.size() == 1, answers[size_t(i)].constData());
        QCOMPARE(events.first().seq, head + 1);
        QCOMPARE(events.first().data.toString(), QStringLiteral("all"));
    }
    connections.clear();
    QVERIFY(stopTestCluster(cluster.get()));
}

void TestComet::ipHashSpreadsSourceAddresses()
{
    // nginx's ip_hash keys on the first three octets: these two land on different nodes,
    // and each source keeps landing on its own node.
    QMap<QString, QString> nodeOf;
    for (const QString &source : {QStringLiteral("127.0.1.1"), QStringLiteral("127.0.2.1")}) {
        for (int i = 0; i < 3; ++i) {
            const HttpResult r = httpCall(port(), "GET", "/xhr/subscribe?channel=t-hash", {}, QHostAddress(source));
            const QString node = duplex::protocol::parseEventList(r.body).events.value(0).node;
            QVERIFY2(node.startsWith(QLatin1String("comet-")), r.body.constData());
            if (i == 0)
                nodeOf.insert(source, node);
            else
                QCOMPARE(node, nodeOf.value(source));
        }
    }
    QVERIFY2(nodeOf.value(QStringLiteral("127.0.1.1")) != nodeOf.value(QStringLiteral("127.0.2.1")),
             qPrintable(nodeOf.value(QStringLiteral("127.0.1.1"))));
}

void TestComet::idleClientLeaves()
{
    const QString channel = QStringLiteral("t-idle");
    Subscriber watcher(port(), channel, QHostAddress(QStringLiteral("127.0.3.1")));
    QVERIFY(watcher.start());
    // A client that polls once (its join) and then never again.
    const QHostAddress source(QStringLiteral("127.0.4.1"));
    const HttpResult r = httpCall(port(), "GET", "/xhr/subscribe?channel=t-idle", {}, source);
    const Event welcome = duplex::protocol::parseEventList(r.body).events.value(0);
    const QString idle = welcome.clientId;
    QVERIFY(!idle.isEmpty());
    const HttpResult once = httpCall(port(), "GET",
                                     target(QStringLiteral("/xhr/subscribe"),
                                            QStringLiteral("channel=t-idle&clientId=%1&since=%2").arg(idle).arg(welcome.seq)),
                                     {}, source);
    QCOMPARE(duplex::protocol::parseEventList(once.body).events.value(0).type, EventType::Join);
    auto seen = [&watcher, &idle](EventType type) {
        return std::any_of(watcher.events.cbegin(), watcher.events.cend(),
                           [&](const Event &e) { return e.type == type && e.clientId == idle; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(seen(EventType::Join), 5000);
    // Twice the hold time without a poll, and it leaves (the sweep adds up to a second).
    QTRY_VERIFY_WITH_TIMEOUT(seen(EventType::Leave), (2 * kHoldSeconds + 5) * 1000);
    // The watcher itself keeps polling, so it never leaves.
    QVERIFY(std::none_of(watcher.events.cbegin(), watcher.events.cend(), [&watcher](const Event &e) {
        return e.type == EventType::Leave && e.clientId == watcher.welcome.clientId;
    }));
}

void TestComet::leaveIsImmediate()
{
    const QString channel = QStringLiteral("t-leave");
    Subscriber watcher(port(), channel, QHostAddress(QStringLiteral("127.0.3.1")));
    QVERIFY(watcher.start());
    const QHostAddress source(QStringLiteral("127.0.5.1"));
    const HttpResult r = httpCall(port(), "GET", "/xhr/subscribe?channel=t-leave", {}, source);
    const Event welcome = duplex::protocol::parseEventList(r.body).events.value(0);
    const QString id = welcome.clientId;
    QVERIFY(!id.isEmpty());
    const QString pollQuery = QStringLiteral("channel=t-leave&clientId=%1&since=%2").arg(id);
    const HttpResult first = httpCall(port(), "GET", target(QStringLiteral("/xhr/subscribe"), pollQuery.arg(welcome.seq)), {}, source);
    const Event join = duplex::protocol::parseEventList(first.body).events.value(0);
    QCOMPARE(join.type, EventType::Join);

    // A poll held for this client, answered [] by the leave rather than by its hold time:
    // it must be seen parked (with the watcher's) before the leave. On a loaded machine the
    // scrape can miss the hold time's window; then the poll has ended and is made again.
    HttpConnection held(QStringLiteral("127.0.0.1"), port(), source);
    HttpResult heldResult;
    bool heldDone = false;
    bool parked = false;
    for (int attempt = 0; attempt < 5 && !parked; ++attempt) {
        heldDone = false;
        held.request("GET", target(QStringLiteral("/xhr/subscribe"), pollQuery.arg(join.seq)), {}, {}, 10000,
                     [&](const HttpResult &result) { heldResult = result; heldDone = true; });
        QTRY_VERIFY_WITH_TIMEOUT(heldDone || metricSum("duplex_polls_parked") == 2.0, 5000);
        parked = !heldDone && metricSum("duplex_polls_parked") == 2.0;
        if (!parked)
            QTRY_VERIFY_WITH_TIMEOUT(heldDone, 5000);
    }
    QVERIFY2(parked, "the held poll was never seen parked beside the watcher's");
    // (Had the leave overtaken the poll, the poll would have started a new session: a
    // second join, which the check below on the watcher's events would catch.)
    const double leftBefore = metricSum("duplex_sessions_left_total");

    const HttpResult left = httpCall(port(), "POST", target(QStringLiteral("/xhr/leave"), QStringLiteral("channel=t-leave&clientId=") + id),
                                     {}, source);
    QCOMPARE(left.status, 200);
    const qint64 leaveSeq = QJsonDocument::fromJson(left.body).object().value(QStringLiteral("seq")).toInteger(-1);
    QVERIFY2(leaveSeq > join.seq, left.body.constData());
    QTRY_VERIFY_WITH_TIMEOUT(heldDone, 2000);
    QCOMPARE(heldResult.status, 200);
    QCOMPARE(heldResult.body, QByteArray("[]"));
    // Everyone sees the leave, with the seq the leave was answered with, well before the
    // 2 x hold time an idle client would take.
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(watcher.events.cbegin(), watcher.events.cend(),
                                         [&](const Event &e) { return e.type == EventType::Leave && e.clientId == id && e.seq == leaveSeq; }),
                             2000);
    QCOMPARE(metricSum("duplex_sessions_left_total"), leftBefore + 1);
    QCOMPARE(std::count_if(watcher.events.cbegin(), watcher.events.cend(),
                           [&](const Event &e) { return e.type == EventType::Join && e.clientId == id; }),
             1);
    // Gone is gone: a second leave finds no session.
    const HttpResult again = httpCall(port(), "POST", target(QStringLiteral("/xhr/leave"), QStringLiteral("channel=t-leave&clientId=") + id),
                                      {}, source);
    QCOMPARE(again.status, 404);
}

void TestComet::clientBalanceKeepsAClientOnOneNode()
{
    // Under `hash $arg_clientId consistent` a client reaches the same node from any
    // address (ip_hash would move it between these sources, and it would join twice);
    // and clients from one address still spread over the nodes.
    const std::unique_ptr<Cluster> cluster = startCluster(kHoldSeconds, duplex::nginx::CometBalance::Client);
    QVERIFY(cluster);
    const QString channel = QStringLiteral("t-client-hash");
    WsClient watcher;
    QVERIFY(watcher.open(wsUrl(cluster->port(), QStringLiteral("channel=") + channel)));

    constexpr int kClients = 12;
    QStringList ids;
    for (int i = 0; i < kClients; ++i) {
        const HttpResult r = httpCall(cluster->port(), "GET", target(QStringLiteral("/xhr/subscribe"), QStringLiteral("channel=") + channel));
        ids << duplex::protocol::parseEventList(r.body).events.value(0).clientId;
        QVERIFY(!ids.last().isEmpty());
    }
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < kClients; ++i) {
            // Each poll from another /24, answered at once (since=0: the watcher's join
            // at least is there).
            const QHostAddress source(QStringLiteral("127.0.%1.1").arg((i + round) % 8 + 1));
            const HttpResult r = httpCall(cluster->port(), "GET",
                                          target(QStringLiteral("/xhr/subscribe"),
                                                 QStringLiteral("channel=%1&clientId=%2&since=0").arg(channel, ids[i])),
                                          {}, source);
            QCOMPARE(r.status, 200);
        }
    }
    QTRY_COMPARE_WITH_TIMEOUT(watcher.count(EventType::Join), kClients + 1, 5000); // + its own
    for (const QString &id : ids) {
        const QList<Event> joins = watcher.eventsOfType(EventType::Join);
        QCOMPARE(std::count_if(joins.cbegin(), joins.cend(), [&id](const Event &e) { return e.clientId == id; }), 1);
    }
    QCOMPARE(watcher.count(EventType::Leave), 0);
    // Both nodes hold some of the sessions.
    for (const auto &node : runningCometNodes(*cluster)) {
        const double sessions = duplex::metrics::Metrics::parse(httpCall(node.adminPort, "GET", "/metrics").body)
                                    .value("duplex_connections", 0);
        QVERIFY2(sessions > 0 && sessions < kClients, qPrintable(node.name + QLatin1Char(' ') + QString::number(sessions)));
    }
    QVERIFY(stopTestCluster(cluster.get()));
}

void TestComet::addedCometNodeTakesPolls()
{
    QSignalSpy reloaded(m_cluster.get(), &Cluster::nginxReloaded);
    QString error;
    QVERIFY2(m_cluster->addNode(duplex::util::Role::Comet, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!reloaded.isEmpty(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cometNodes().size(), 3, 10000);
    const QString added = cometNodes().last().name;
    // The new node enters ip_hash's table: some of the eight /24s now reach it. (nginx
    // answers from old workers for a moment after a reload, so ask until it shows.)
    QSet<QString> nodes;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                 for (int n = 1; n <= 8; ++n) {
                                     const HttpResult r = httpCall(port(), "GET", "/xhr/subscribe?channel=t-added", {},
                                                                   QHostAddress(QStringLiteral("127.0.%1.1").arg(n)));
                                     nodes.insert(duplex::protocol::parseEventList(r.body).events.value(0).node);
                                 }
                                 return nodes.contains(added);
                             }()),
                             10000);
    QVERIFY2(nodes.size() == 3, qPrintable(QStringList(nodes.values()).join(QLatin1Char(' '))));
    // Back to two nodes for the last test.
    QVERIFY2(m_cluster->removeNode(added, &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(cometNodes().size(), 2, 10000);
}

void TestComet::noCometNodeIsA503()
{
    // nginx's own answer when no Comet node is left: the contract's JSON, as a 503 (the
    // status says "try again", whatever upstream failure nginx saw).
    QString error;
    const std::unique_ptr<Cluster> cluster = startTestCluster(1, 1, &error);
    QVERIFY2(cluster, qPrintable(error));
    QVERIFY2(cluster->killNode(QStringLiteral("comet-1"), &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runningCometNodes(*cluster).isEmpty(), 5000);
    for (const auto &[method, path] : {std::pair<QByteArray, QByteArray>{"GET", "/xhr/subscribe?channel=main"},
                                       std::pair<QByteArray, QByteArray>{"POST", "/xhr/publish?channel=main"}}) {
        const HttpResult r = httpCall(cluster->port(), method, path, method == "POST" ? QByteArray("hi") : QByteArray());
        QCOMPARE(r.status, 503);
        QCOMPARE(headerValue(r, "Content-Type"), QByteArray("application/json"));
        QCOMPARE(headerValue(r, "Cache-Control"), QByteArray("no-store"));
        const auto parsed = duplex::protocol::parseEvent(r.body);
        QCOMPARE(parsed.event.type, EventType::Error);
        QCOMPARE(parsed.event.code, QStringLiteral("unavailable"));
    }
    QVERIFY(stopTestCluster(cluster.get()));
}

void TestComet::killedNodeUnderLoadLosesNothing()
{
    const QString channel = QStringLiteral("t-kill");
    // Subscribers from eight /24s: ip_hash puts about half on each node.
    std::vector<std::unique_ptr<Subscriber>> subscribers;
    for (int i = 0; i < 16; ++i) {
        subscribers.push_back(std::make_unique<Subscriber>(port(), channel, QHostAddress(QStringLiteral("127.0.%1.1").arg(i % 8 + 1))));
        QVERIFY(subscribers.back()->start());
    }
    const QString victim = subscribers.front()->welcome.node;
    int onVictim = 0;
    for (const auto &s : subscribers)
        onVictim += s->welcome.node == victim ? 1 : 0;
    QVERIFY2(onVictim > 0 && onVictim < 16, qPrintable(QString::number(onVictim)));

    WsClient publisher;
    QVERIFY(publisher.open(wsUrl(port(), QStringLiteral("channel=") + channel)));
    constexpr int kCount = 300;
    int sent = 0;
    QTimer pace;
    pace.setInterval(10); // 100 messages per second
    connect(&pace, &QTimer::timeout, &pace, [&] {
        publisher.send(QStringLiteral(R"({"type":"publish","data":%1})").arg(sent));
        if (++sent == kCount)
            pace.stop();
    });
    pace.start();
    QTRY_VERIFY_WITH_TIMEOUT(sent >= kCount / 3, 10000);
    QString error;
    QVERIFY2(m_cluster->killNode(victim, &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(sent, kCount, 20000);

    for (const auto &s : subscribers) {
        QTRY_COMPARE_WITH_TIMEOUT(s->messages.size(), kCount, 20000);
        for (int i = 0; i < kCount; ++i)
            QCOMPARE(s->messages[i].data.toInt(), i);
        QCOMPARE(s->client->duplicatesDropped(), 0);
    }
    // Everyone is now served by the surviving node, which knows all sixteen clients.
    QCOMPARE(cometNodes().size(), 1);
    QVERIFY(cometNodes().first().name != victim);
    QVERIFY2(metricSum("duplex_connections") >= 16, qPrintable(QString::number(metricSum("duplex_connections"))));
    int rerouted = 0;
    for (const auto &s : subscribers)
        rerouted += s->welcome.node == victim && s->reconnects > 0 ? 1 : 0;
    qInfo("%d of %d subscribers were on %s; %d of them retried a poll", onVictim, 16, qPrintable(victim), rerouted);
}

QTEST_GUILESS_MAIN(TestComet)
#include "tst_comet.moc"
