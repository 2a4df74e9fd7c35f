// Resume semantics against a real broker and a real WebSocket node, no nginx: a node
// whose buffer no longer holds the range asks the broker's history, and a range the
// broker no longer holds is announced with `gap` (CONTRACT.md: never a silent loss).
#include "serverprocess.h"
#include "wsclient.h"

#include <QTest>

using duplex::protocol::Event;
using duplex::protocol::EventType;

class TestResume final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void resumeBeyondNodeBufferUsesBrokerHistory();
    void resumeBeyondBrokerHistoryReportsGap();
    void sinceAheadOfHeadWaitsForNewEvents();
    void nodeWithWrongSecretIsRefused();
    void nodeWithoutSecretExplainsWhy();
    void helpDocumentsEveryOption();

private:
    // Publishes `count` messages from a fresh client and waits for their acks.
    // Publishes `count` messages on `channel` and waits for their acks.
    bool publish(const QString &channel, int count);

    const QByteArray m_secret = "test-secret-0123456789";
    std::unique_ptr<ServerProcess> m_broker;
    std::unique_ptr<ServerProcess> m_node;
};

void TestResume::init()
{
    m_broker = std::make_unique<ServerProcess>();
    QVERIFY2(m_broker->start(QStringLiteral("duplex-broker"), {QStringLiteral("--history"), QStringLiteral("100")},
                             clusterEnvironment(m_secret)),
             qPrintable(m_broker->output()));
    m_node = std::make_unique<ServerProcess>();
    QVERIFY2(m_node->start(QStringLiteral("duplex-ws-node"),
                           {QStringLiteral("--name"), QStringLiteral("ws-t"), QStringLiteral("--buffer"), QStringLiteral("10"),
                            QStringLiteral("--broker"), QStringLiteral("127.0.0.1:%1").arg(m_broker->port())},
                           clusterEnvironment(m_secret)),
             qPrintable(m_node->output()));
}

void TestResume::cleanup()
{
    m_node.reset();
    m_broker.reset();
}

bool TestResume::publish(const QString &channel, int count)
{
    WsClient publisher;
    if (!publisher.open(wsUrl(m_node->port(), QStringLiteral("channel=") + channel)))
        return false;
    for (int i = 0; i < count; ++i)
        publisher.send(QStringLiteral(R"({"type":"publish","data":%1,"id":%1})").arg(i));
    return QTest::qWaitFor([&] { return publisher.count(EventType::Ack) == count; }, 10000);
}

void TestResume::resumeBeyondNodeBufferUsesBrokerHistory()
{
    QVERIFY(publish(QStringLiteral("r1"), 60));
    // The node keeps 10 events, the broker 100: all 60 messages (plus join and leave)
    // come back, the older ones from the broker.
    WsClient resumed;
    QVERIFY(resumed.open(wsUrl(m_node->port(), QStringLiteral("channel=r1&since=0"))));
    QTRY_COMPARE_WITH_TIMEOUT(resumed.count(EventType::Message), 60, 10000);
    qint64 expected = 1;
    for (const Event &e : resumed.events()) {
        if (e.isSequenced()) {
            QCOMPARE(e.seq, expected);
            ++expected;
        }
    }
    QCOMPARE(resumed.count(EventType::Gap), 0);
    const QList<Event> messages = resumed.eventsOfType(EventType::Message);
    for (int i = 0; i < 60; ++i)
        QCOMPARE(messages[i].data.toInt(), i);
}

void TestResume::resumeBeyondBrokerHistoryReportsGap()
{
    QVERIFY(publish(QStringLiteral("r2"), 150));
    // seq 1 is the publisher's join, 2..151 the messages, 152 its leave, and 153 the
    // resuming client's own join, sequenced before its history request (one ordered bus
    // link): the broker holds the last 100, 54..153.
    WsClient resumed;
    QVERIFY(resumed.open(wsUrl(m_node->port(), QStringLiteral("channel=r2&since=5"))));
    QTRY_VERIFY_WITH_TIMEOUT(resumed.count(EventType::Gap) == 1 && resumed.lastSeq() >= 153, 10000);
    const Event gap = resumed.eventsOfType(EventType::Gap).first();
    QCOMPARE(gap.from, 6);
    QCOMPARE(gap.to, 53);
    QCOMPARE(gap.channel, QStringLiteral("r2"));
    // The gap comes before any event, and what follows starts right after it.
    bool seenGap = false;
    qint64 expected = 54;
    for (const Event &e : resumed.events()) {
        if (e.type == EventType::Gap)
            seenGap = true;
        if (e.isSequenced()) {
            QVERIFY(seenGap);
            QCOMPARE(e.seq, expected);
            ++expected;
        }
    }
}

void TestResume::sinceAheadOfHeadWaitsForNewEvents()
{
    QVERIFY(publish(QStringLiteral("r3"), 3));
    // head is 5 (join, 3 messages, leave); a client claiming 7 gets nothing until 8.
    WsClient ahead;
    QVERIFY(ahead.open(wsUrl(m_node->port(), QStringLiteral("channel=r3&since=7"))));
    QCOMPARE(ahead.welcome().seq, 5);
    QVERIFY(publish(QStringLiteral("r3"), 2)); // 6 join... 8 second message, 9 leave
    QTRY_VERIFY_WITH_TIMEOUT(ahead.lastSeq() >= 9, 5000);
    for (const Event &e : ahead.events()) {
        if (e.isSequenced())
            QVERIFY(e.seq > 7);
    }
}

void TestResume::nodeWithWrongSecretIsRefused()
{
    ServerProcess intruder;
    QVERIFY(!intruder.start(QStringLiteral("duplex-ws-node"),
                            {QStringLiteral("--broker"), QStringLiteral("127.0.0.1:%1").arg(m_broker->port())},
                            clusterEnvironment("wrong-secret"), 5000));
    QTRY_COMPARE_WITH_TIMEOUT(intruder.process().state(), QProcess::NotRunning, 5000);
    QCOMPARE(intruder.process().exitCode(), 1);
    QVERIFY2(intruder.output().contains(QStringLiteral("wrong cluster secret")), qPrintable(intruder.output()));
}

void TestResume::nodeWithoutSecretExplainsWhy()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DUPLEX_SECRET"));
    ServerProcess node;
    QVERIFY(!node.start(QStringLiteral("duplex-ws-node"),
                        {QStringLiteral("--broker"), QStringLiteral("127.0.0.1:%1").arg(m_broker->port())}, env, 5000));
    QTRY_COMPARE_WITH_TIMEOUT(node.process().state(), QProcess::NotRunning, 5000);
    QCOMPARE(node.process().exitCode(), 2);
    QVERIFY2(node.output().contains(QStringLiteral("DUPLEX_SECRET is not set")), qPrintable(node.output()));
}

void TestResume::helpDocumentsEveryOption()
{
    for (const QString &binary : {QStringLiteral("duplex-broker"), QStringLiteral("duplex-ws-node")}) {
        QProcess help;
        help.start(QStringLiteral(DUPLEX_BIN_DIR "/") + binary, {QStringLiteral("--help")});
        QVERIFY(help.waitForFinished(5000));
        QCOMPARE(help.exitCode(), 0);
        const QByteArray text = help.readAllStandardOutput();
        for (const char *option : {"--port", "--admin-port", "--host", "--name"})
            QVERIFY2(text.contains(option), option);
        QVERIFY(text.contains("READY"));
        if (binary.endsWith(QLatin1String("ws-node"))) {
            for (const char *option : {"--broker", "--buffer", "--max-message", "--rate-limit"})
                QVERIFY2(text.contains(option), option);
        } else {
            for (const char *option : {"--history", "--history-bytes", "--max-node-lag"})
                QVERIFY2(text.contains(option), option);
        }
    }
}

QTEST_GUILESS_MAIN(TestResume)
#include "tst_resume.moc"
