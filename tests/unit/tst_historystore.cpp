// log::HistoryStore: the bound over all channels drops the oldest events of the store
// first, whichever channel holds them; heads outlive events; the newest event is held.
#include "log/historystore.h"

#include <QtTest>

using duplex::log::HistoryStore;
using namespace duplex::protocol;

namespace {

// Every event of these tests has the same JSON size, so bounds are counts of events.
Event message(const QString &channel, int n)
{
    Event e = Event::published(channel, QStringLiteral("c1"), QStringLiteral("m%1").arg(n, 4, 10, QLatin1Char('0')));
    e.ts = 1764000000000;
    return e;
}

qint64 eventBytes()
{
    Event e = message(QStringLiteral("a"), 0);
    e.seq = 1;
    return Sequenced::from(e).json.size();
}

// "a:2-3 b:1" style: each channel's held seqs, channels in name order; "-" when nothing.
QString held(const HistoryStore &store)
{
    QStringList channels = store.heads().keys();
    channels.sort();
    QStringList out;
    for (const QString &c : channels) {
        const auto range = store.since(c, 0);
        if (range.events.empty())
            out << c + QStringLiteral(":-");
        else
            out << QStringLiteral("%1:%2-%3").arg(c).arg(range.events.front().event.seq).arg(range.events.back().event.seq);
    }
    return out.join(QLatin1Char(' '));
}

} // namespace

class TestHistoryStore : public QObject
{
    Q_OBJECT

private slots:
    void totalBound_data();
    void totalBound();
    void gapsAndHeadsAfterEviction();
    void appendFollowsTheBroker();
    void resetForgetsAChannel();
    void forgetDropsNameAndHead();
};

void TestHistoryStore::totalBound_data()
{
    QTest::addColumn<int>("capacity");      // events per channel
    QTest::addColumn<int>("totalEvents");   // the total bound, in events of this test's size
    QTest::addColumn<QString>("script");    // channels that get the next event, in order
    QTest::addColumn<QString>("expected");  // held() at the end

    QTest::newRow("under the bound nothing goes") << 10 << 10 << "aabab" << "a:1-3 b:1-2";
    QTest::newRow("the oldest of the store go first") << 10 << 3 << "aabab" << "a:3-3 b:1-2";
    QTest::newRow("a quiet channel loses its old events to a busy one")
        << 10 << 4 << "abbbbbb" << "a:- b:3-6";
    QTest::newRow("a channel's own bound first, then the store's")
        << 2 << 3 << "aaaabb" << "a:4-4 b:1-2";
    QTest::newRow("the newest event is held even past the bound") << 10 << 0 << "ab" << "a:- b:1-1";
    QTest::newRow("many channels, one event each") << 10 << 2 << "abcde" << "a:- b:- c:- d:1-1 e:1-1";
}

void TestHistoryStore::totalBound()
{
    QFETCH(int, capacity);
    QFETCH(int, totalEvents);
    QFETCH(QString, script);
    QFETCH(QString, expected);
    const qint64 size = eventBytes();
    HistoryStore store(capacity, std::numeric_limits<qint64>::max(), totalEvents * size);
    for (int i = 0; i < script.size(); ++i)
        store.sequence(message(script.mid(i, 1), i));
    QCOMPARE(held(store), expected);
    QVERIFY(store.bytes() <= std::max<qint64>(totalEvents * size, size));
    // The bytes counted are the bytes held.
    qint64 sum = 0;
    for (const QString &c : store.heads().keys()) {
        for (const Sequenced &s : store.since(c, 0).events)
            sum += s.json.size();
    }
    QCOMPARE(store.bytes(), sum);
}

void TestHistoryStore::gapsAndHeadsAfterEviction()
{
    const qint64 size = eventBytes();
    HistoryStore store(100, std::numeric_limits<qint64>::max(), 2 * size);
    store.sequence(message(QStringLiteral("old"), 1));
    store.sequence(message(QStringLiteral("old"), 2));
    store.sequence(message(QStringLiteral("new"), 3));
    store.sequence(message(QStringLiteral("new"), 4));
    QCOMPARE(store.heldChannelCount(), 1);
    QCOMPARE(store.channelCount(), 2);
    // The evicted channel keeps numbering where it was, and a reader gets its gap.
    QCOMPARE(store.head(QStringLiteral("old")), qint64(2));
    const auto range = store.since(QStringLiteral("old"), 0);
    QCOMPARE(range.gapFrom, qint64(1));
    QCOMPARE(range.gapTo, qint64(2));
    QVERIFY(range.events.empty());
    QVERIFY(!store.covers(QStringLiteral("old"), 0));
    QVERIFY(store.covers(QStringLiteral("old"), 2));
    const Sequenced next = store.sequence(message(QStringLiteral("old"), 5));
    QCOMPARE(next.event.seq, qint64(3));
    QCOMPARE(store.head(QStringLiteral("never")), qint64(0));
    QVERIFY(store.since(QStringLiteral("never"), 0).events.empty());
    QVERIFY(!store.since(QStringLiteral("never"), 0).hasGap());
}

void TestHistoryStore::appendFollowsTheBroker()
{
    HistoryStore store(100, std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::max());
    store.resetHead(QStringLiteral("c"), 41);
    Event e = message(QStringLiteral("c"), 1);
    e.seq = 43;
    QVERIFY(!store.append(Sequenced::from(e))); // a hole is refused
    QCOMPARE(store.heldChannelCount(), 0);
    e.seq = 42;
    QVERIFY(store.append(Sequenced::from(e)));
    QCOMPARE(store.head(QStringLiteral("c")), qint64(42));
    QCOMPARE(store.since(QStringLiteral("c"), 41).events.size(), size_t(1));
}

void TestHistoryStore::resetForgetsAChannel()
{
    HistoryStore store(100, std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::max());
    store.sequence(message(QStringLiteral("a"), 1));
    store.sequence(message(QStringLiteral("b"), 2));
    store.resetHead(QStringLiteral("a"), 7);
    QCOMPARE(store.bytes(), eventBytes());
    QCOMPARE(store.head(QStringLiteral("a")), qint64(7));
    QCOMPARE(store.sequence(message(QStringLiteral("a"), 3)).event.seq, qint64(8));
    QCOMPARE(held(store), QStringLiteral("a:8-8 b:1-1"));
}

void TestHistoryStore::forgetDropsNameAndHead()
{
    HistoryStore store(100, std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::max());
    store.sequence(message(QStringLiteral("a"), 1));
    store.sequence(message(QStringLiteral("b"), 2));
    store.resetHead(QStringLiteral("idle"), 9);
    QVERIFY(store.knows(QStringLiteral("idle")));
    store.forget(QStringLiteral("a"));
    store.forget(QStringLiteral("idle"));
    QVERIFY(!store.knows(QStringLiteral("a")));
    QVERIFY(!store.knows(QStringLiteral("idle")));
    QCOMPARE(store.channelCount(), 1);
    QCOMPARE(store.heldChannelCount(), 1);
    QCOMPARE(store.bytes(), eventBytes());
    QCOMPARE(held(store), QStringLiteral("b:1-1"));
    // Known again from its next event, wherever its numbering stands.
    Event e = message(QStringLiteral("a"), 3);
    e.seq = 1;
    QVERIFY(store.append(Sequenced::from(e)));
    QCOMPARE(store.bytes(), 2 * eventBytes());
}

QTEST_GUILESS_MAIN(TestHistoryStore)
#include "tst_historystore.moc"
