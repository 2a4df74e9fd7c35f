// Unit tests of what every Duplex client shares (core/client/channelclient.{h,cpp}): the
// place in the channel and the seq bookkeeping, fed events as a wire would, and the retry
// scheduling; plus the backoff delays (core/client/backoff.{h,cpp}). No network.

#include "client/backoff.h"
#include "client/channelclient.h"

#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

using namespace duplex::client;
using duplex::protocol::Event;
using duplex::protocol::EventType;

namespace {

// A client without a wire: the test plays the transport.
class ProbeClient final : public ChannelClient
{
public:
    explicit ProbeClient(Options options)
        : ChannelClient(nullptr)
        , m_options(std::move(options))
    {
    }

    using ChannelClient::acceptEvent;
    using ChannelClient::acceptWelcome;
    using ChannelClient::adoptPlaceFromOptions;
    using ChannelClient::Outcome;
    using ChannelClient::resetBackoff;
    using ChannelClient::scheduleRetry;

    void start() override {}
    void stop() override { cancelRetry(); }
    void publish(const QJsonValue &) override {}
    const Options &options() const override { return m_options; }

    int retries = 0;

protected:
    void retry() override { ++retries; }

private:
    Options m_options;
};

// Starts a timer of `delayMs`, the longest a retry waits, and waits for it. Qt runs due
// timers in the order they fall due, so when this one fires, every retry scheduled before
// it that was going to run has run.
bool sentinelFired(int delayMs)
{
    QTimer sentinel;
    sentinel.setSingleShot(true);
    sentinel.setTimerType(Qt::PreciseTimer);
    QSignalSpy fired(&sentinel, &QTimer::timeout);
    sentinel.start(delayMs);
    return fired.wait(5000) || !fired.isEmpty();
}

QString outcomeName(ProbeClient::Outcome outcome)
{
    switch (outcome) {
    case ProbeClient::Outcome::Delivered:
        return QStringLiteral("delivered");
    case ProbeClient::Outcome::Duplicate:
        return QStringLiteral("duplicate");
    case ProbeClient::Outcome::Gap:
        return QStringLiteral("gap");
    case ProbeClient::Outcome::Unsequenced:
        return QStringLiteral("unsequenced");
    }
    return {};
}

// One step of a script: "w10" welcome at seq 10, "m11" message, "j11" join, "l11" leave,
// "g3-5" gap, "a11" ack, "e" error.
Event eventOf(const QString &step)
{
    const QChar kind = step.at(0);
    const QString rest = step.mid(1);
    Event event;
    if (kind == QLatin1Char('g')) {
        const QStringList range = rest.split(QLatin1Char('-'));
        return Event::gap(QStringLiteral("main"), range.at(0).toLongLong(), range.at(1).toLongLong());
    }
    if (kind == QLatin1Char('w'))
        return Event::welcome(QStringLiteral("c1"), QStringLiteral("main"), rest.toLongLong(), QStringLiteral("n1"));
    if (kind == QLatin1Char('a'))
        return Event::ack(QJsonValue(1), rest.toLongLong());
    if (kind == QLatin1Char('e'))
        return Event::error(QStringLiteral("bad"), QStringLiteral("something"));
    event.type = kind == QLatin1Char('j') ? EventType::Join : kind == QLatin1Char('l') ? EventType::Leave : EventType::Message;
    event.seq = rest.toLongLong();
    return event;
}

QStringList words(const QString &text)
{
    return text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

} // namespace

class TestChannelClient : public QObject
{
    Q_OBJECT

private slots:
    void bookkeeping_data();
    void bookkeeping();
    void retries();
    void backoffDelays();
};

void TestChannelClient::bookkeeping_data()
{
    QTest::addColumn<QString>("optionsClientId"); // non-empty: the place comes from the options
    QTest::addColumn<qint64>("since");
    QTest::addColumn<QString>("steps");
    QTest::addColumn<QString>("outcomes"); // per step; "welcomed" for a welcome
    QTest::addColumn<QString>("delivered"); // seqs of eventReceived
    QTest::addColumn<QString>("gaps");      // from-to of gapReceived
    QTest::addColumn<qint64>("cursor");
    QTest::addColumn<qint64>("duplicates");
    QTest::addColumn<QString>("clientId");

    const QString none;
    QTest::newRow("nothing yet") << none << qint64(-1) << "" << "" << "" << "" << qint64(-1) << qint64(0) << "";
    QTest::newRow("in order") << none << qint64(-1) << "w10 m11 m12 m13"
                              << "welcomed delivered delivered delivered" << "11 12 13" << "" << qint64(13)
                              << qint64(0) << "c1";
    QTest::newRow("repeated") << none << qint64(-1) << "w10 m11 m11 m12 m12"
                              << "welcomed delivered duplicate delivered duplicate" << "11 12" << ""
                              << qint64(12) << qint64(2) << "c1";
    QTest::newRow("at or before the welcome seq")
        << none << qint64(-1) << "w10 m9 m10 m11" << "welcomed duplicate duplicate delivered" << "11" << ""
        << qint64(11) << qint64(2) << "c1";
    QTest::newRow("older after newer") << none << qint64(-1) << "w10 m12 m11" << "welcomed delivered duplicate"
                                       << "12" << "" << qint64(12) << qint64(1) << "c1";
    QTest::newRow("gap") << none << qint64(-1) << "w10 m11 g12-14 m15" << "welcomed delivered gap delivered"
                         << "11 15" << "12-14" << qint64(15) << qint64(0) << "c1";
    QTest::newRow("inside a gap") << none << qint64(-1) << "w10 g11-14 m13 m14 m15"
                                  << "welcomed gap duplicate duplicate delivered" << "15" << "11-14" << qint64(15)
                                  << qint64(2) << "c1";
    QTest::newRow("gap behind the cursor") << none << qint64(-1) << "w10 m11 m12 g5-8 m13"
                                           << "welcomed delivered delivered gap delivered" << "11 12 13" << "5-8"
                                           << qint64(13) << qint64(0) << "c1";
    QTest::newRow("hole without a gap") << none << qint64(-1) << "w10 m13" << "welcomed delivered" << "13" << ""
                                        << qint64(13) << qint64(0) << "c1";
    QTest::newRow("join and leave") << none << qint64(-1) << "w10 j11 l12 j12" << "welcomed delivered delivered duplicate"
                                    << "11 12" << "" << qint64(12) << qint64(1) << "c1";
    QTest::newRow("ack and error") << none << qint64(-1) << "w10 a11 e m11" << "welcomed unsequenced unsequenced delivered"
                                   << "11" << "" << qint64(11) << qint64(0) << "c1";
    QTest::newRow("event before the welcome")
        << none << qint64(-1) << "m5 w10 m6 m11" << "delivered welcomed delivered delivered" << "5 6 11" << ""
        << qint64(11) << qint64(0) << "c1";
    QTest::newRow("since before the welcome seq")
        << none << qint64(3) << "w10 m3 m4 m5" << "welcomed duplicate delivered delivered" << "4 5" << ""
        << qint64(5) << qint64(1) << "c1";
    QTest::newRow("welcome again keeps the place")
        << none << qint64(-1) << "w10 m11 w20 m11 m12 m21" << "welcomed delivered welcomed duplicate delivered delivered"
        << "11 12 21" << "" << qint64(21) << qint64(1) << "c1";
    QTest::newRow("place from the options") << QStringLiteral("c0") << qint64(7) << "m7 m8" << "duplicate delivered"
                                            << "8" << "" << qint64(8) << qint64(1) << "c0";
    QTest::newRow("options, then a welcome") << QStringLiteral("c0") << qint64(7) << "w20 m8"
                                             << "welcomed delivered" << "8" << "" << qint64(8) << qint64(0) << "c1";
}

void TestChannelClient::bookkeeping()
{
    QFETCH(QString, optionsClientId);
    QFETCH(qint64, since);
    QFETCH(QString, steps);
    QFETCH(QString, outcomes);
    QFETCH(QString, delivered);
    QFETCH(QString, gaps);
    QFETCH(qint64, cursor);
    QFETCH(qint64, duplicates);
    QFETCH(QString, clientId);

    ChannelClient::Options options;
    options.clientId = optionsClientId;
    options.since = since;
    ProbeClient client(options);
    if (!optionsClientId.isEmpty())
        client.adoptPlaceFromOptions();
    QStringList seen;
    QStringList gapsSeen;
    int welcomes = 0;
    connect(&client, &ChannelClient::eventReceived, this, [&seen](const Event &e) { seen << QString::number(e.seq); });
    connect(&client, &ChannelClient::gapReceived, this,
            [&gapsSeen](qint64 from, qint64 to) { gapsSeen << QStringLiteral("%1-%2").arg(from).arg(to); });
    connect(&client, &ChannelClient::welcomed, this, [&welcomes] { ++welcomes; });

    QStringList results;
    for (const QString &step : words(steps)) {
        const Event event = eventOf(step);
        if (event.type == EventType::Welcome) {
            const int before = welcomes;
            client.acceptWelcome(event);
            QCOMPARE(welcomes, before + 1);
            results << QStringLiteral("welcomed");
        } else {
            results << outcomeName(client.acceptEvent(event));
        }
    }
    QCOMPARE(results, words(outcomes));
    QCOMPARE(seen, words(delivered));
    QCOMPARE(gapsSeen, words(gaps));
    QCOMPARE(client.cursor(), cursor);
    QCOMPARE(client.duplicatesDropped(), duplicates);
    QCOMPARE(client.clientId(), clientId);
}

void TestChannelClient::retries()
{
    ChannelClient::Options options;
    options.retryMinMs = 1;
    options.retryMaxMs = 1;
    ProbeClient client(options);
    QList<int> attempts;
    QStringList reasons;
    connect(&client, &ChannelClient::reconnecting, this, [&](int attempt, const QString &reason) {
        attempts << attempt;
        reasons << reason;
    });

    client.scheduleRetry(QStringLiteral("first"));
    client.scheduleRetry(QStringLiteral("second")); // restarts the one timer: one retry
    QVERIFY(sentinelFired(options.retryMaxMs));
    QCOMPARE(client.retries, 1);
    QCOMPARE(attempts, (QList<int>{1, 2}));
    QCOMPARE(reasons, (QStringList{QStringLiteral("first"), QStringLiteral("second")}));
    QCOMPARE(client.reconnects(), qint64(2));

    // A welcome is a success: the count starts again.
    client.acceptWelcome(Event::welcome(QStringLiteral("c1"), QStringLiteral("main"), 5, QStringLiteral("n1")));
    client.scheduleRetry(QStringLiteral("third"));
    QCOMPARE(attempts.last(), 1);
    QTRY_COMPARE(client.retries, 2);

    // Stopping cancels a scheduled retry.
    client.scheduleRetry(QStringLiteral("fourth"));
    QCOMPARE(attempts.last(), 2);
    client.stop();
    QVERIFY(sentinelFired(options.retryMaxMs));
    QCOMPARE(client.retries, 2);
    QCOMPARE(client.reconnects(), qint64(4));
}

void TestChannelClient::backoffDelays()
{
    // The step doubles from the minimum up to the maximum; a delay lies in its upper half
    // and never below the minimum.
    for (int attempt = 1; attempt <= 40; ++attempt) {
        const qint64 step = std::min<qint64>(5000, qint64(100) << std::min(attempt - 1, 20));
        for (int i = 0; i < 50; ++i) {
            const int delay = backoffDelayMs(attempt, 100, 5000);
            QVERIFY2(delay >= step / 2 && delay <= step,
                     qPrintable(QStringLiteral("attempt %1: %2 ms").arg(attempt).arg(delay)));
        }
    }
    // The first retry is jittered too: over 200 draws, not all the same.
    QSet<int> firsts;
    for (int i = 0; i < 200; ++i)
        firsts.insert(backoffDelayMs(1, 100, 5000));
    QVERIFY(firsts.size() > 1);
    // Nonsensical options are clamped rather than spinning.
    QCOMPARE(backoffDelayMs(1, 0, 0), 1);
    QVERIFY(backoffDelayMs(3, 200, 50) >= 100 && backoffDelayMs(3, 200, 50) <= 200);
}

QTEST_GUILESS_MAIN(TestChannelClient)
#include "tst_channelclient.moc"
