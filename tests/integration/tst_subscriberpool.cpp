// SubscriberPool's end of a run against a real cluster: a subscriber is drained only when
// it has every message the publishers count as sent. A publish that failed for its
// publisher may still have been sequenced and delivered; it must not stand in for an
// expected message still on its way (that ended runs early and reported losses).
#include "load/payload.h"
#include "loadgen/subscriberpool.h"
#include "testcluster.h"
#include "wsclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using duplex::loadgen::PublisherTally;
using duplex::loadgen::SubscriberPool;

class TestSubscriberPool final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void failedPublishesDoNotCountTowardTheDrain();

private:
    // Publishes publisher 0's message `counter` as a load payload, as LoadRun would.
    void publish(qint64 counter);

    std::unique_ptr<duplex::control::Cluster> m_cluster;
    std::unique_ptr<WsClient> m_publisher;
};

void TestSubscriberPool::initTestCase()
{
    QString error;
    m_cluster = startTestCluster(1, 0, &error);
    QVERIFY2(m_cluster, qPrintable(error));
    m_publisher = std::make_unique<WsClient>();
    QVERIFY(m_publisher->open(wsUrl(m_cluster->port(), QStringLiteral("channel=pool&presence=0"))));
}

void TestSubscriberPool::cleanupTestCase()
{
    m_publisher.reset();
    if (m_cluster)
        QVERIFY(stopTestCluster(m_cluster.get()));
}

void TestSubscriberPool::publish(qint64 counter)
{
    duplex::load::Payload payload;
    payload.publisher = 0;
    payload.counter = counter;
    payload.sentUs = duplex::load::nowMicros();
    const QJsonObject frame{{QStringLiteral("type"), QStringLiteral("publish")},
                            {QStringLiteral("data"), duplex::load::encodePayload(payload, 16)}};
    m_publisher->send(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void TestSubscriberPool::failedPublishesDoNotCountTowardTheDrain()
{
    duplex::loadgen::LoadOptions options;
    options.transports = {duplex::protocol::Transport::WebSocket};
    options.clients = 1;
    options.channel = QStringLiteral("pool");
    options.port = m_cluster->port();
    options.presence = false;
    SubscriberPool pool(options, 0, 1);
    QSignalSpy connected(&pool, &SubscriberPool::allConnected);
    QSignalSpy drained(&pool, &SubscriberPool::drained);
    pool.start();
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 10000);
    pool.acceptPublishers(1);

    // Ten publishes; the publisher saw #3 fail, yet the cluster delivered it. #9 is slow.
    for (qint64 counter = 0; counter < 9; ++counter)
        publish(counter);
    PublisherTally nineSent;
    nineSent.sent = 9;
    QTRY_COMPARE_WITH_TIMEOUT(pool.result({nineSent}).summaries.value(0).delivered, qint64(9), 5000);
    PublisherTally tally;
    tally.sent = 10;
    tally.failed = {3};
    pool.setDrainTarget({tally});
    // Nine received and nine expected, but one of them is #3 and #9 has not arrived: a
    // drain now (it would be signalled from inside setDrainTarget) would lose #9.
    QCOMPARE(drained.count(), 0);
    publish(9);
    QTRY_COMPARE_WITH_TIMEOUT(drained.count(), 1, 5000);

    const auto result = pool.result({tally});
    QCOMPARE(result.summaries.value(0).delivered, qint64(9));
    QCOMPARE(result.summaries.value(0).lost, qint64(0));
    pool.stop();
}

QTEST_GUILESS_MAIN(TestSubscriberPool)
#include "tst_subscriberpool.moc"
