// node::ChannelHub in process: every branch of resume (fetchSince/readLocal) against a
// FakeBroker that says exactly what the hub reads and records what it asks (inside the
// local buffer, before it, at and past the head, cut by a limit, a channel it never saw,
// joining a channel with history, a seq that jumps), acks for a node's own publishes only,
// head lookups of channels the node does not know, idle channels forgotten, and the same
// resume through a real BrokerServer.
#include "bus/brokerserver.h"
#include "bus/busframe.h"
#include "fakebroker.h"
#include "node/channelhub.h"

#include <QRegularExpression>
#include <QSignalSpy>
#include <QtTest>

#include <memory>
#include <optional>

using duplex::bus::BrokerServer;
using duplex::log::ChannelLog;
using duplex::node::ChannelHub;
using namespace duplex::protocol;

namespace {

const QByteArray kSecret = QByteArrayLiteral("0123456789abcdef0123456789abcdef");
const QString kMain = QStringLiteral("main");

Sequenced sequenced(qint64 seq, const QString &channel = kMain)
{
    Event e = Event::published(channel, QStringLiteral("c1"), QStringLiteral("m%1").arg(seq));
    e.seq = seq;
    e.ts = 1764000000000 + seq;
    return Sequenced::from(e);
}

QList<qint64> seqsOf(const ChannelLog::Range &range)
{
    QList<qint64> seqs;
    for (const Sequenced &s : range.events)
        seqs << s.event.seq;
    return seqs;
}

QList<qint64> seqRange(qint64 first, qint64 last)
{
    QList<qint64> seqs;
    for (qint64 s = first; s <= last; ++s)
        seqs << s;
    return seqs;
}

// One fetchSince() call: what it handed over, and whether before it returned.
struct Fetch
{
    std::optional<ChannelLog::Range> range;
    bool inCall = true;
    bool atOnce = false;
};

std::shared_ptr<Fetch> fetch(ChannelHub &hub, const QString &channel, qint64 since, int limit = 1000)
{
    auto result = std::make_shared<Fetch>();
    hub.fetchSince(channel, since, limit, [result](const ChannelLog::Range &range) {
        result->range = range;
        result->atOnce = result->inCall;
    });
    result->inCall = false;
    return result;
}

// Connects `hub` to `broker` and answers its hello with `heads`.
bool connectHub(ChannelHub &hub, FakeBroker &broker, const QHash<QString, qint64> &heads = {})
{
    QSignalSpy ready(&hub, &ChannelHub::ready);
    hub.connectToBroker(QHostAddress::LocalHost, broker.port());
    if (!broker.waitForFrames(1))
        return false;
    broker.sendReady(heads);
    return ready.wait(5000) || !ready.isEmpty();
}

// Relays events `first`..`last` of `channel` as sequenced by the broker, and waits until
// the hub has them.
bool relay(ChannelHub &hub, FakeBroker &broker, qint64 first, qint64 last, const QString &channel = kMain)
{
    QByteArray lines;
    for (qint64 seq = first; seq <= last; ++seq)
        lines += duplex::bus::encodeEventLine(sequenced(seq, channel), QStringLiteral("ws-9"), 0);
    broker.write(lines);
    return QTest::qWaitFor([&] { return hub.head(channel) == last; }, 5000);
}

// Asks `hub` for `channel`'s head; the value once the callback ran, and whether it ran
// before withHead() returned.
struct Head
{
    std::optional<qint64> head;
    bool inCall = true;
    bool atOnce = false;
};

std::shared_ptr<Head> headOf(ChannelHub &hub, const QString &channel)
{
    auto result = std::make_shared<Head>();
    hub.withHead(channel, [result](qint64 head) {
        result->head = head;
        result->atOnce = result->inCall;
    });
    result->inCall = false;
    return result;
}

// Answers the head lookup `request` (a history request for no events) with `head`.
void answerLookup(FakeBroker &broker, const QJsonObject &request, qint64 head)
{
    QCOMPARE(request.value(QStringLiteral("op")).toString(), QStringLiteral("history"));
    QCOMPARE(request.value(QStringLiteral("limit")).toInt(), 0);
    broker.write(duplex::bus::encodeHistoryLine(request.value(QStringLiteral("ref")).toInteger(),
                                                request.value(QStringLiteral("channel")).toString(), head, {}));
}

// Answers the history request `request` as a broker holding `log` would.
void answerHistory(FakeBroker &broker, const QJsonObject &request, const ChannelLog &log)
{
    const ChannelLog::Range range = log.since(request.value(QStringLiteral("since")).toInteger(),
                                              request.value(QStringLiteral("limit")).toInt());
    broker.write(duplex::bus::encodeHistoryLine(request.value(QStringLiteral("ref")).toInteger(),
                                                request.value(QStringLiteral("channel")).toString(), log.head(),
                                                range));
}

} // namespace

class TestChannelHub : public QObject
{
    Q_OBJECT

private slots:
    void fetchSince_data();
    void fetchSince();
    void channelNotKnownIsAskedOfTheBroker();
    void joiningAChannelWithHistory();
    void lookupAskedAgainAfterALinkDrop();
    void idleChannelsAreForgotten();
    void rejectedPublishIsAnswered();
    void duplicatePublishGetsTheFirstSeq();
    void historyRepliesFindTheirCallers();
    void eventsAreBufferedBeforeTheyAreAnnounced();
    void seqJumpFollowsTheBroker();
    void acksOnlyItsOwnPublishes();
    void refusedBeforeReadyFails();
    void noBrokerAtStartFails();
    void refusedAfterReadyReconnects();
    void droppedLinkCatchesUp_data();
    void droppedLinkCatchesUp();
    void pendingPublishFailsAsUnavailable();
    void resumeAskedDuringOutageIsAnsweredAfter();
    void outageLimitFails();
    void resumeThroughARealBroker();
};

void TestChannelHub::fetchSince_data()
{
    QTest::addColumn<qint64>("since");
    QTest::addColumn<int>("limit");
    QTest::addColumn<bool>("local");     // answered from the buffer, before fetchSince() returns
    QTest::addColumn<qint64>("gapFrom"); // what the cluster no longer holds
    QTest::addColumn<qint64>("gapTo");
    QTest::addColumn<QList<qint64>>("seqs");
    QTest::addColumn<bool>("more");

    // Events 1..12 sequenced; the hub's buffer (5) holds 8..12, the broker's history (8)
    // holds 5..12.
    QTest::newRow("inside the buffer") << qint64(9) << 1000 << true << qint64(0) << qint64(0) << seqRange(10, 12) << false;
    QTest::newRow("just before the oldest held") << qint64(7) << 1000 << true << qint64(0) << qint64(0) << seqRange(8, 12) << false;
    QTest::newRow("one before the head") << qint64(11) << 1000 << true << qint64(0) << qint64(0) << seqRange(12, 12) << false;
    QTest::newRow("at the head") << qint64(12) << 1000 << true << qint64(0) << qint64(0) << QList<qint64>() << false;
    QTest::newRow("past the head") << qint64(40) << 1000 << true << qint64(0) << qint64(0) << QList<qint64>() << false;
    QTest::newRow("cut by the limit") << qint64(7) << 2 << true << qint64(0) << qint64(0) << seqRange(8, 9) << true;
    QTest::newRow("one before the buffer: the broker's")
        << qint64(6) << 1000 << false << qint64(0) << qint64(0) << seqRange(7, 12) << false;
    QTest::newRow("before the buffer, cut by the limit")
        << qint64(5) << 3 << false << qint64(0) << qint64(0) << seqRange(6, 8) << true;
    QTest::newRow("before the broker's history too: a gap first")
        << qint64(0) << 1000 << false << qint64(1) << qint64(4) << seqRange(5, 12) << false;
    QTest::newRow("a gap, then cut by the limit")
        << qint64(2) << 2 << false << qint64(3) << qint64(4) << seqRange(5, 6) << true;
}

void TestChannelHub::fetchSince()
{
    QFETCH(qint64, since);
    QFETCH(int, limit);
    QFETCH(bool, local);
    QFETCH(qint64, gapFrom);
    QFETCH(qint64, gapTo);
    QFETCH(QList<qint64>, seqs);
    QFETCH(bool, more);

    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    QVERIFY(relay(hub, broker, 1, 12));
    ChannelLog history(8);
    for (qint64 seq = 1; seq <= 12; ++seq)
        QVERIFY(history.append(sequenced(seq)));

    // readLocal() is fetchSince()'s own first step: it agrees on what the buffer holds.
    ChannelLog::Range fromBuffer;
    QCOMPARE(hub.readLocal(kMain, since, limit, &fromBuffer), local);

    const int framesBefore = int(broker.frames().size());
    const auto result = fetch(hub, kMain, since, limit);
    if (local) {
        QVERIFY(result->range && result->atOnce);
        QCOMPARE(seqsOf(fromBuffer), seqs);
        QCOMPARE(hub.historyRequests(), quint64(0));
    } else {
        QVERIFY(!result->range);
        QVERIFY(broker.waitForFrames(framesBefore + 1));
        const QJsonObject request = broker.frames().constLast();
        QCOMPARE(request.value(QStringLiteral("op")).toString(), QStringLiteral("history"));
        QCOMPARE(request.value(QStringLiteral("channel")).toString(), kMain);
        QCOMPARE(request.value(QStringLiteral("since")).toInteger(), since);
        QCOMPARE(request.value(QStringLiteral("limit")).toInt(), limit);
        QCOMPARE(hub.historyRequests(), quint64(1));
        answerHistory(broker, request, history);
        QTRY_VERIFY(result->range);
    }
    QCOMPARE(result->range->gapFrom, gapFrom);
    QCOMPARE(result->range->gapTo, gapTo);
    QCOMPARE(seqsOf(*result->range), seqs);
    QCOMPARE(result->range->more, more);
    for (const Sequenced &s : result->range->events)
        QCOMPARE(s.json, sequenced(s.event.seq).json); // the broker's bytes, unchanged
}

void TestChannelHub::channelNotKnownIsAskedOfTheBroker()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    // The heads of the handshake are not taken: a node knows only the channels in use.
    QVERIFY(connectHub(hub, broker, {{QStringLiteral("quiet"), 3}}));
    QVERIFY(!hub.knows(QStringLiteral("quiet")));
    // Its head: asked once, however many clients wait for it.
    const auto first = headOf(hub, QStringLiteral("quiet"));
    const auto second = headOf(hub, QStringLiteral("quiet"));
    QVERIFY(broker.waitForFrames(2));
    QVERIFY(!first->head && !second->head);
    answerLookup(broker, broker.frames().constLast(), 3);
    QTRY_VERIFY(first->head && second->head);
    QCOMPARE(*first->head, qint64(3));
    QCOMPARE(*second->head, qint64(3));
    QCOMPARE(hub.headLookups(), quint64(1));
    QVERIFY(hub.knows(QStringLiteral("quiet")));
    // Known now: at once, and nothing after the head to fetch.
    const auto known = headOf(hub, QStringLiteral("quiet"));
    QVERIFY(known->atOnce);
    QCOMPARE(*known->head, qint64(3));
    const auto atHead = fetch(hub, QStringLiteral("quiet"), 3);
    QVERIFY(atHead->range && atHead->atOnce);
    // A channel it does not know is the broker's to answer, even from 0.
    const auto unknown = fetch(hub, QStringLiteral("other"), 0);
    QVERIFY(!unknown->range);
    QVERIFY(broker.waitForFrames(3));
    QCOMPARE(broker.frames().constLast().value(QStringLiteral("channel")).toString(), QStringLiteral("other"));
    QCOMPARE(broker.frames().size(), 3);
}

void TestChannelHub::joiningAChannelWithHistory()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker, {{kMain, 40}, {QStringLiteral("other"), 7}}));
    const auto head = headOf(hub, kMain);
    QVERIFY(broker.waitForFrames(2));
    answerLookup(broker, broker.frames().constLast(), 40);
    QTRY_VERIFY(head->head);
    QCOMPARE(hub.head(kMain), qint64(40));
    QCOMPARE(hub.head(QStringLiteral("other")), qint64(0)); // not asked for
    QVERIFY(!hub.knows(QStringLiteral("other")));

    // At the head: nothing after it, known without asking.
    const auto atHead = fetch(hub, kMain, 40);
    QVERIFY(atHead->range && atHead->atOnce);
    QVERIFY(atHead->range->events.empty());
    // Anything before it was sequenced before this node joined: only the broker has it.
    const auto before = fetch(hub, kMain, 38);
    QVERIFY(!before->range);
    QVERIFY(broker.waitForFrames(3));
    QCOMPARE(broker.frames().constLast().value(QStringLiteral("since")).toInteger(), qint64(38));

    // Live events from the head on fill the buffer.
    QVERIFY(relay(hub, broker, 41, 42));
    const auto live = fetch(hub, kMain, 40);
    QVERIFY(live->range && live->atOnce);
    QCOMPARE(seqsOf(*live->range), seqRange(41, 42));
}

void TestChannelHub::historyRepliesFindTheirCallers()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 2);
    QVERIFY(connectHub(hub, broker));
    QVERIFY(relay(hub, broker, 1, 10));
    ChannelLog history(100);
    for (qint64 seq = 1; seq <= 10; ++seq)
        QVERIFY(history.append(sequenced(seq)));

    const auto first = fetch(hub, kMain, 1);
    const auto second = fetch(hub, kMain, 5);
    QVERIFY(broker.waitForFrames(3));
    const QJsonObject firstRequest = broker.frames().at(1);
    const QJsonObject secondRequest = broker.frames().at(2);
    QVERIFY(firstRequest.value(QStringLiteral("ref")) != secondRequest.value(QStringLiteral("ref")));

    // A reply nobody asked for is dropped; the rest are matched by ref, whatever their order.
    QJsonObject stray = secondRequest;
    stray.insert(QStringLiteral("ref"), 999);
    answerHistory(broker, stray, history);
    answerHistory(broker, secondRequest, history);
    QTRY_VERIFY(second->range);
    QVERIFY(!first->range);
    QCOMPARE(seqsOf(*second->range), seqRange(6, 10));
    answerHistory(broker, firstRequest, history);
    QTRY_VERIFY(first->range);
    QCOMPARE(seqsOf(*first->range), seqRange(2, 10));
    QCOMPARE(seqsOf(*second->range), seqRange(6, 10));
}

void TestChannelHub::eventsAreBufferedBeforeTheyAreAnnounced()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    QList<qint64> announced;
    QList<qint64> heldWhenAnnounced;
    connect(&hub, &ChannelHub::eventSequenced, this, [&](const Sequenced &s) {
        announced << s.event.seq;
        ChannelLog::Range range;
        if (hub.readLocal(s.event.channel, s.event.seq - 1, 1, &range) && !range.events.empty())
            heldWhenAnnounced << range.events.front().event.seq;
    });
    QVERIFY(relay(hub, broker, 1, 3));
    QVERIFY(relay(hub, broker, 1, 2, QStringLiteral("other")));
    QCOMPARE(announced, (QList<qint64>{1, 2, 3, 1, 2}));
    QCOMPARE(heldWhenAnnounced, announced);
    QCOMPARE(hub.eventsReceived(), quint64(5));
}

void TestChannelHub::seqJumpFollowsTheBroker()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    QVERIFY(relay(hub, broker, 1, 3));

    // 4..6 never came: the hub says so and follows the broker's numbering.
    QTest::ignoreMessage(QtWarningMsg, "node ws-1: channel main jumped from seq 3 to 7");
    QVERIFY(relay(hub, broker, 7, 7));
    // Never a silent hole: the buffer no longer claims what is before 7, the broker is asked.
    const auto across = fetch(hub, kMain, 3);
    QVERIFY(!across->range);
    QVERIFY(broker.waitForFrames(2));
    QCOMPARE(broker.frames().constLast().value(QStringLiteral("since")).toInteger(), qint64(3));
    const auto after = fetch(hub, kMain, 6);
    QVERIFY(after->range && after->atOnce);
    QCOMPARE(seqsOf(*after->range), QList<qint64>{7});
    QVERIFY(relay(hub, broker, 8, 8));
}

void TestChannelHub::acksOnlyItsOwnPublishes()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    QList<qint64> acked;
    hub.publish(Event::published(kMain, QStringLiteral("c1"), 1),
                [&acked](const ChannelHub::PublishOutcome &outcome) { acked << outcome.seq; });
    QVERIFY(broker.waitForFrames(2));
    const QJsonObject publish = broker.frames().constLast();
    QCOMPARE(publish.value(QStringLiteral("op")).toString(), QStringLiteral("publish"));
    QVERIFY(!publish.value(QStringLiteral("event")).toObject().contains(QStringLiteral("seq")));
    const qint64 ref = publish.value(QStringLiteral("ref")).toInteger();

    // Refs are per node: another node's event with the same ref is not this one's.
    broker.write(duplex::bus::encodeEventLine(sequenced(1), QStringLiteral("comet-1"), ref));
    QTRY_COMPARE(hub.head(kMain), qint64(1));
    QVERIFY(acked.isEmpty());
    broker.write(duplex::bus::encodeEventLine(sequenced(2), QStringLiteral("ws-1"), ref));
    QTRY_COMPARE(acked, QList<qint64>{2});
    // Acked once: the same ref again (a broker bug) finds nobody waiting.
    broker.write(duplex::bus::encodeEventLine(sequenced(3), QStringLiteral("ws-1"), ref));
    QTRY_COMPARE(hub.head(kMain), qint64(3));
    QCOMPARE(acked, QList<qint64>{2});

    // A publish without a callback is sent all the same.
    hub.publish(Event::leave(kMain, QStringLiteral("c1")));
    QVERIFY(broker.waitForFrames(3));
    QCOMPARE(broker.frames().constLast().value(QStringLiteral("event")).toObject().value(QStringLiteral("type")).toString(),
             QStringLiteral("leave"));
}

void TestChannelHub::refusedBeforeReadyFails()
{
    // A node that never joined has nothing to serve: it fails, as it always did.
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QSignalSpy failed(&hub, &ChannelHub::failed);
    hub.connectToBroker(QHostAddress::LocalHost, broker.port());
    QVERIFY(broker.waitForFrames(1));
    broker.write(R"({"op":"refused","reason":"enough"})" "\n");
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.constFirst().constFirst().toString(), QStringLiteral("the broker refused this node: enough"));
    QVERIFY(!hub.isReady());
}

void TestChannelHub::noBrokerAtStartFails()
{
    quint16 port = 0;
    {
        FakeBroker gone;
        port = gone.port();
    }
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QSignalSpy failed(&hub, &ChannelHub::failed);
    hub.connectToBroker(QHostAddress::LocalHost, port);
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY2(failed.constFirst().constFirst().toString().contains(QLatin1String("refused")),
             qPrintable(failed.constFirst().constFirst().toString()));
}

void TestChannelHub::refusedAfterReadyReconnects()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    QVERIFY(hub.isReady());
    QSignalSpy failed(&hub, &ChannelHub::failed);
    QSignalSpy lost(&hub, &ChannelHub::linkLost);
    QSignalSpy ready(&hub, &ChannelHub::ready);
    broker.write(R"({"op":"refused","reason":"enough"})" "\n");
    QTRY_COMPARE(lost.size(), 1);
    QCOMPARE(lost.constFirst().constFirst().toString(), QStringLiteral("the broker refused this node: enough"));
    QVERIFY(!hub.isReady());
    // A new connection, a new hello, a new ready.
    QTRY_COMPARE(broker.connections(), 2);
    QVERIFY(broker.waitForFrames(2));
    QCOMPARE(broker.frames().constLast().value(QStringLiteral("op")).toString(), QStringLiteral("hello"));
    broker.sendReady();
    QTRY_COMPARE(ready.size(), 1);
    QVERIFY(hub.isReady());
    QCOMPARE(failed.size(), 0);
}

void TestChannelHub::droppedLinkCatchesUp_data()
{
    QTest::addColumn<int>("brokerHistory"); // events the broker still holds
    QTest::addColumn<int>("perReply");      // events per history reply, at most
    QTest::addColumn<qint64>("gapFrom");    // 0: none
    QTest::addColumn<qint64>("gapTo");

    // The node had 1..3 when the link dropped; 4..8 were sequenced while it was away
    // (the ready says 8), 9..10 come live during the re-sync.
    QTest::newRow("all held, one reply") << 100 << 1000 << qint64(0) << qint64(0);
    QTest::newRow("all held, slices of 2") << 100 << 2 << qint64(0) << qint64(0);
    QTest::newRow("4..5 let go: a gap") << 5 << 1000 << qint64(4) << qint64(5);
    QTest::newRow("4..5 let go, slices of 1") << 5 << 1 << qint64(4) << qint64(5);
    QTest::newRow("everything missed let go") << 2 << 1000 << qint64(4) << qint64(8);
}

void TestChannelHub::droppedLinkCatchesUp()
{
    QFETCH(int, brokerHistory);
    QFETCH(int, perReply);
    QFETCH(qint64, gapFrom);
    QFETCH(qint64, gapTo);

    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 50);
    QVERIFY(connectHub(hub, broker));
    QVERIFY(relay(hub, broker, 1, 3));
    QList<qint64> announced;
    QList<QList<qint64>> gaps;
    connect(&hub, &ChannelHub::eventSequenced, this, [&](const Sequenced &s) { announced << s.event.seq; });
    connect(&hub, &ChannelHub::gapped, this, [&](const QString &channel, qint64 from, qint64 to) {
        QCOMPARE(channel, kMain);
        gaps << QList<qint64>{from, to, qint64(announced.size())};
    });
    QSignalSpy resynced(&hub, &ChannelHub::resynced);
    ChannelLog history(brokerHistory);
    for (qint64 seq = 1; seq <= 10; ++seq)
        history.append(sequenced(seq));

    const int hello = int(broker.frames().size()) + 1; // the new link's first frame
    broker.dropNode();
    QTRY_COMPARE(broker.connections(), 2);
    QVERIFY(broker.waitForFrames(hello));
    QCOMPARE(broker.frames().constLast().value(QStringLiteral("op")).toString(), QStringLiteral("hello"));
    // The handshake in chunks, as the broker sends it: a channel the node never saw, then main.
    broker.write(R"({"op":"heads","heads":{"quiet":4}})" "\n" R"({"op":"heads","heads":{"main":8}})" "\n");
    broker.sendReady();
    QVERIFY(broker.waitForFrames(hello + 1));
    QVERIFY(!hub.isReady()); // behind the broker: /healthz stays 503 until caught up
    QVERIFY(!hub.knows(QStringLiteral("quiet"))); // looked up when a client comes for it
    // Live events of the channel during the re-sync: held back until the missed ones are out.
    QByteArray live;
    for (qint64 seq = 9; seq <= 10; ++seq)
        live += duplex::bus::encodeEventLine(sequenced(seq), QStringLiteral("ws-9"), 0);
    broker.write(live);
    // Every request answered as the broker would, in slices of at most perReply.
    int answered = hello;
    for (;;) {
        QVERIFY2(QTest::qWaitFor([&] { return broker.frames().size() > answered || !resynced.isEmpty(); }, 5000),
                 "no history request, no re-sync");
        if (!resynced.isEmpty())
            break;
        QJsonObject request = broker.frames().at(answered++);
        QCOMPARE(request.value(QStringLiteral("op")).toString(), QStringLiteral("history"));
        QCOMPARE(request.value(QStringLiteral("channel")).toString(), kMain);
        request.insert(QStringLiteral("limit"), std::min(perReply, request.value(QStringLiteral("limit")).toInt()));
        answerHistory(broker, request, history);
    }
    QTRY_VERIFY(hub.isReady());
    QList<qint64> expected;
    for (qint64 seq = 4; seq <= 10; ++seq) {
        if (seq < gapFrom || seq > gapTo)
            expected << seq;
    }
    QCOMPARE(announced, expected); // each once, in order, the held ones last
    if (gapFrom != 0)
        QCOMPARE(gaps, (QList<QList<qint64>>{{gapFrom, gapTo, 0}})); // before any event after it
    else
        QVERIFY(gaps.isEmpty());
    QCOMPARE(hub.head(kMain), qint64(10));
    QCOMPARE(hub.eventsBackfilled(), quint64(8 - std::max<qint64>(gapTo, 3)));
    // Live from here, as ever.
    QVERIFY(relay(hub, broker, 11, 11));
    QCOMPARE(announced.constLast(), qint64(11));
}

void TestChannelHub::pendingPublishFailsAsUnavailable()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    QList<ChannelHub::PublishOutcome> outcomes;
    const auto record = [&outcomes](const ChannelHub::PublishOutcome &o) { outcomes << o; };
    hub.publish(Event::published(kMain, QStringLiteral("c1"), 1), record);
    QVERIFY(broker.waitForFrames(2));
    // The broker may or may not have sequenced it: the link goes before the answer.
    broker.dropNode();
    QTRY_COMPARE(outcomes.size(), 1);
    QVERIFY(!outcomes.first().sequenced());
    QVERIFY2(outcomes.first().unavailable.contains(QLatin1String("retry")), qPrintable(outcomes.first().unavailable));
    // While the link is down a publish is refused at once, never queued.
    hub.publish(Event::published(kMain, QStringLiteral("c1"), 2), record);
    QCOMPARE(outcomes.size(), 2);
    QVERIFY(!outcomes.last().sequenced());
    QCOMPARE(hub.publishesUnavailable(), quint64(2));
    // Back: publishes go through again and are acked.
    QTRY_COMPARE(broker.connections(), 2);
    QVERIFY(broker.waitForFrames(3));
    broker.sendReady({{kMain, 0}});
    QTRY_VERIFY(hub.isReady());
    hub.publish(Event::published(kMain, QStringLiteral("c1"), 3), record);
    QVERIFY(broker.waitForFrames(4));
    const qint64 ref = broker.frames().constLast().value(QStringLiteral("ref")).toInteger();
    broker.write(duplex::bus::encodeEventLine(sequenced(1), QStringLiteral("ws-1"), ref));
    QTRY_COMPARE(outcomes.size(), 3);
    QCOMPARE(outcomes.last().seq, qint64(1));
}

void TestChannelHub::resumeAskedDuringOutageIsAnsweredAfter()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 2);
    QVERIFY(connectHub(hub, broker));
    QVERIFY(relay(hub, broker, 1, 5));
    ChannelLog history(100);
    for (qint64 seq = 1; seq <= 5; ++seq)
        history.append(sequenced(seq));
    QSignalSpy lost(&hub, &ChannelHub::linkLost);
    broker.dropNode();
    QTRY_COMPARE(lost.size(), 1);
    // Before the buffer, with no link: asked once the link is back.
    const auto result = fetch(hub, kMain, 0);
    QVERIFY(!result->range);
    QTRY_COMPARE(broker.connections(), 2);
    QVERIFY(broker.waitForFrames(2));
    broker.sendReady({{kMain, 5}});
    QVERIFY(broker.waitForFrames(3));
    const QJsonObject request = broker.frames().constLast();
    QCOMPARE(request.value(QStringLiteral("op")).toString(), QStringLiteral("history"));
    QCOMPARE(request.value(QStringLiteral("since")).toInteger(), qint64(0));
    answerHistory(broker, request, history);
    QTRY_VERIFY(result->range);
    QCOMPARE(seqsOf(*result->range), seqRange(1, 5));
}

void TestChannelHub::outageLimitFails()
{
    // A broker gone for good: the node gives up after the outage limit, so the cluster stops.
    auto broker = std::make_unique<FakeBroker>();
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    hub.setMaxOutageMs(500);
    QVERIFY(connectHub(hub, *broker));
    QSignalSpy failed(&hub, &ChannelHub::failed);
    QSignalSpy lost(&hub, &ChannelHub::linkLost);
    broker->close();
    broker->dropNode();
    QTRY_COMPARE(lost.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    QVERIFY2(failed.constFirst().constFirst().toString().startsWith(QLatin1String("no message bus for 0.5 s")),
             qPrintable(failed.constFirst().constFirst().toString()));
    QVERIFY(hub.reconnects() >= 1);
}

void TestChannelHub::resumeThroughARealBroker()
{
    // The broker keeps 6 events, each node 3.
    BrokerServer broker(kSecret, 6);
    QString error;
    const quint16 port = broker.listen(QHostAddress::LocalHost, 0, &error);
    QVERIFY2(port, qPrintable(error));
    ChannelHub early(QStringLiteral("ws-1"), kSecret, 3);
    QSignalSpy earlyReady(&early, &ChannelHub::ready);
    early.connectToBroker(QHostAddress::LocalHost, port);
    QVERIFY(earlyReady.wait(5000));
    QList<qint64> acks;
    for (int i = 1; i <= 10; ++i)
        early.publish(Event::published(kMain, QStringLiteral("c1"), i),
                      [&acks](const ChannelHub::PublishOutcome &outcome) { acks << outcome.seq; });
    QTRY_COMPARE(acks, seqRange(1, 10));
    QCOMPARE(early.head(kMain), qint64(10));

    // Inside the node's buffer (8..10): no request.
    const auto local = fetch(early, kMain, 7);
    QVERIFY(local->range && local->atOnce);
    QCOMPARE(seqsOf(*local->range), seqRange(8, 10));
    // Before it: the broker's history (5..10), with what even the broker let go of.
    const auto older = fetch(early, kMain, 2);
    QTRY_VERIFY(older->range);
    QCOMPARE(older->range->gapFrom, qint64(3));
    QCOMPARE(older->range->gapTo, qint64(4));
    QCOMPARE(seqsOf(*older->range), seqRange(5, 10));

    // A node that joins later asks the head and fetches the rest from the broker.
    ChannelHub late(QStringLiteral("comet-1"), kSecret, 3);
    QSignalSpy lateReady(&late, &ChannelHub::ready);
    late.connectToBroker(QHostAddress::LocalHost, port);
    QVERIFY(lateReady.wait(5000));
    const auto head = headOf(late, kMain);
    QTRY_VERIFY(head->head);
    QCOMPARE(*head->head, qint64(10));
    QCOMPARE(late.head(kMain), qint64(10));
    const auto joined = fetch(late, kMain, 0, 4);
    QTRY_VERIFY(joined->range);
    QCOMPARE(joined->range->gapFrom, qint64(1));
    QCOMPARE(joined->range->gapTo, qint64(4));
    QCOMPARE(seqsOf(*joined->range), seqRange(5, 8));
    QVERIFY(joined->range->more);
    for (const Sequenced &s : joined->range->events)
        QCOMPARE(s.event.data.toInt(), int(s.event.seq));
}

void TestChannelHub::lookupAskedAgainAfterALinkDrop()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    const auto head = headOf(hub, kMain);
    QVERIFY(broker.waitForFrames(2));
    // The link drops before the answer: the lookup is asked again on the next link.
    broker.dropNode();
    QTRY_COMPARE(broker.connections(), 2);
    QVERIFY(broker.waitForFrames(3));
    QCOMPARE(broker.frames().constLast().value(QStringLiteral("op")).toString(), QStringLiteral("hello"));
    broker.sendReady({{kMain, 6}});
    QVERIFY(broker.waitForFrames(4));
    QVERIFY(!head->head);
    answerLookup(broker, broker.frames().constLast(), 6);
    QTRY_VERIFY(head->head);
    QCOMPARE(*head->head, qint64(6));
}

void TestChannelHub::idleChannelsAreForgotten()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QSet<QString> inUse{QStringLiteral("busy")};
    hub.setInUse([&inUse](const QString &channel) { return inUse.contains(channel); });
    hub.setIdleLimitMs(200);
    QVERIFY(connectHub(hub, broker));
    QVERIFY(relay(hub, broker, 1, 2, QStringLiteral("busy")));
    QVERIFY(relay(hub, broker, 1, 3, QStringLiteral("idle")));
    // The idle one goes, name and head and events; the one in use stays however old.
    QTRY_COMPARE(hub.channelsEvicted(), quint64(1));
    QVERIFY(!hub.knows(QStringLiteral("idle")));
    QCOMPARE(hub.store().bytes(), qint64(sequenced(1, QStringLiteral("busy")).json.size() * 2));
    QVERIFY(hub.knows(QStringLiteral("busy")));
    // The busy one goes once nobody uses it: a sentinel that the sweep runs.
    inUse.clear();
    QTRY_COMPARE(hub.channelsEvicted(), quint64(2));
    QCOMPARE(hub.store().channelCount(), 0);
    QCOMPARE(hub.store().bytes(), qint64(0));
    // Its next event makes it known again from there: what came before is the broker's.
    QVERIFY(relay(hub, broker, 4, 4, QStringLiteral("idle")));
    QVERIFY(hub.knows(QStringLiteral("idle")));
    const auto local = fetch(hub, QStringLiteral("idle"), 3);
    QVERIFY(local->range && local->atOnce);
    QCOMPARE(seqsOf(*local->range), seqRange(4, 4));
    const auto before = fetch(hub, QStringLiteral("idle"), 0);
    QVERIFY(!before->range);
}

void TestChannelHub::rejectedPublishIsAnswered()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    std::optional<ChannelHub::PublishOutcome> outcome;
    hub.publish(Event::published(QStringLiteral("new"), QStringLiteral("c1"), 1),
                [&outcome](const ChannelHub::PublishOutcome &o) { outcome = o; });
    QVERIFY(broker.waitForFrames(2));
    broker.write(duplex::bus::encodeRejectedLine(broker.frames().constLast().value(QStringLiteral("ref")).toInteger(),
                                                 QStringLiteral("the cluster numbers 5 channels, its limit")));
    QTRY_VERIFY(outcome);
    QVERIFY(!outcome->sequenced());
    QCOMPARE(outcome->unavailable, QStringLiteral("the cluster numbers 5 channels, its limit"));
}

void TestChannelHub::duplicatePublishGetsTheFirstSeq()
{
    FakeBroker broker;
    ChannelHub hub(QStringLiteral("ws-1"), kSecret, 5);
    QVERIFY(connectHub(hub, broker));
    std::optional<ChannelHub::PublishOutcome> outcome;
    hub.publish(Event::published(kMain, QStringLiteral("c1"), 1),
                [&outcome](const ChannelHub::PublishOutcome &o) { outcome = o; }, QStringLiteral("retry-7"));
    QVERIFY(broker.waitForFrames(2));
    const QJsonObject frame = broker.frames().constLast();
    QCOMPARE(frame.value(QStringLiteral("id")).toString(), QStringLiteral("retry-7"));
    broker.write(duplex::bus::encodeDuplicateLine(frame.value(QStringLiteral("ref")).toInteger(), 41));
    QTRY_VERIFY(outcome);
    QVERIFY(outcome->sequenced());
    QCOMPARE(outcome->seq, qint64(41));
}

QTEST_GUILESS_MAIN(TestChannelHub)
#include "tst_channelhub.moc"
