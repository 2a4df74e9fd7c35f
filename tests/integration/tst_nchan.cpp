// Integration tests of the nchan yardstick (core/peer, core/client/nchanclient): a real
// nginx with Debian's libnginx-mod-nchan started by NchanServer on an ephemeral loopback
// port, NchanClient subscribers over WebSocket and long-poll, NchanPublisher. Every nginx
// process (master and workers) is checked gone by PID at the end of each test.

#include "client/httpconnection.h"
#include "client/nchanclient.h"
#include "httpcall.h"
#include "load/summaryjson.h"
#include "needs.h"
#include "peer/nchanpublisher.h"
#include "peer/nchanserver.h"
#include "serverprocess.h"
#include "util/procstats.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <csignal>
#include <memory>

using duplex::client::HttpConnection;
using duplex::client::HttpResult;
using duplex::client::NchanClient;
using duplex::peer::NchanPublisher;
using duplex::peer::NchanServer;

namespace {

const QHostAddress kSecondSource(QStringLiteral("127.0.2.1"));

NchanServer::Options serverOptions()
{
    NchanServer::Options options;
    options.port = 0;
    options.workers = 2;
    return options;
}

// What one subscriber saw.
struct Received
{
    QStringList messages;
    int welcomes = 0;
    QStringList reconnects;
    QStringList errors;
};

std::unique_ptr<NchanClient> subscriber(quint16 port, const QString &channel, NchanClient::Transport transport,
                                        Received *into, const QHostAddress &source = {}, bool resume = true)
{
    NchanClient::Options options;
    options.port = port;
    options.channel = channel;
    options.transport = transport;
    options.source = source;
    options.resumeWebSocket = resume;
    options.retryMinMs = 50;
    options.retryMaxMs = 200;
    auto client = std::make_unique<NchanClient>(options);
    QObject::connect(client.get(), &NchanClient::welcomed, [into] { ++into->welcomes; });
    QObject::connect(client.get(), &NchanClient::messageReceived, [into](const QString &text) { into->messages << text; });
    QObject::connect(client.get(), &NchanClient::reconnecting, [into](int, const QString &reason) { into->reconnects << reason; });
    QObject::connect(client.get(), &NchanClient::errorOccurred, [into](const QString &message) { into->errors << message; });
    return client;
}

// What one publisher was told, in order.
struct Tally
{
    int published = 0;
    QStringList failures;
};

std::unique_ptr<NchanPublisher> publisher(quint16 port, const QString &channel, Tally *tally)
{
    NchanPublisher::Options options;
    options.port = port;
    options.channel = channel;
    auto pub = std::make_unique<NchanPublisher>(options);
    QObject::connect(pub.get(), &NchanPublisher::published, [tally] { ++tally->published; });
    QObject::connect(pub.get(), &NchanPublisher::publishFailed, [tally](const QString &reason) { tally->failures << reason; });
    return pub;
}

QStringList numbered(const QString &prefix, int from, int count)
{
    QStringList out;
    for (int i = from; i < from + count; ++i)
        out << QStringLiteral("%1-%2").arg(prefix).arg(i, 4, 10, QLatin1Char('0'));
    return out;
}

// Publishes `messages` one by one and waits until nchan has answered all of them.
bool publishAll(NchanPublisher *pub, Tally *tally, const QStringList &messages)
{
    const int before = tally->published + int(tally->failures.size());
    for (const QString &m : messages)
        pub->publish(m);
    const int expected = before + int(messages.size());
    if (!QTest::qWaitFor([&] { return tally->published + int(tally->failures.size()) == expected; }, 10000))
        return false;
    return tally->failures.isEmpty();
}

// Publishes one more message and waits until every subscriber in `subscribers` has it
// last: a channel is totally ordered, so whatever was still to arrive before it (a
// repeated message, one too many) has arrived by then.
bool publishSentinel(NchanPublisher *pub, Tally *tally, const QList<const Received *> &subscribers,
                     const QString &sentinel)
{
    if (!publishAll(pub, tally, {sentinel}))
        return false;
    return QTest::qWaitFor([&] {
        return std::all_of(subscribers.cbegin(), subscribers.cend(), [&](const Received *r) {
            return !r->messages.isEmpty() && r->messages.constLast() == sentinel;
        });
    }, 10000);
}

} // namespace

class TestNchan : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void startsAndStops();
    void deliversEveryMessageOnceInOrder();
    void startsAfterTheNewestMessage();
    void resumesWhereItStopped();
    void publishFailsWithoutServer();
    void startFailures();
    void killedMasterLeavesNoWorker();
    void clientsRetryWhenNchanGoes();
    void loadgenMeasuresNchan();

private:
    // Starts `server` and waits for started(); false (with the reason logged) otherwise.
    bool start(NchanServer &server);
    // Stops `server` and checks that every process it had is gone.
    void stopAndCheck(NchanServer &server);
};

bool TestNchan::start(NchanServer &server)
{
    QSignalSpy started(&server, &NchanServer::started);
    QSignalSpy failed(&server, &NchanServer::startFailed);
    server.start();
    if (!QTest::qWaitFor([&] { return !started.isEmpty() || !failed.isEmpty(); }, 15000)) {
        qWarning("nchan did not start within 15 s");
        return false;
    }
    if (!failed.isEmpty()) {
        qWarning("nchan failed to start: %s", qPrintable(failed.constFirst().constFirst().toString()));
        return false;
    }
    return server.state() == NchanServer::State::Running;
}

void TestNchan::stopAndCheck(NchanServer &server)
{
    const QList<qint64> pids = server.pids();
    QVERIFY2(pids.size() == 1 + server.options().workers,
             qPrintable(QStringLiteral("expected master and %1 workers, got %2 processes").arg(server.options().workers).arg(pids.size())));
    const QString runtimeDir = server.runtimeDir();
    QSignalSpy stopped(&server, &NchanServer::stopped);
    server.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 10000);
    QCOMPARE(server.state(), NchanServer::State::Stopped);
    QVERIFY(server.pids().isEmpty());
    for (qint64 pid : pids)
        QVERIFY2(!duplex::util::isRunning(pid), qPrintable(QStringLiteral("nginx process %1 survived the stop").arg(pid)));
    QVERIFY2(!QDir(runtimeDir).exists(), qPrintable(runtimeDir));
}

void TestNchan::initTestCase()
{
    DUPLEX_NEEDS_FILE(QStringLiteral("/usr/sbin/nginx"), "nginx-light");
    DUPLEX_NEEDS_FILE(QString::fromLatin1(duplex::peer::kNchanModulePath), "libnginx-mod-nchan");
}

void TestNchan::startsAndStops()
{
    NchanServer server(serverOptions());
    QVERIFY(start(server));
    QVERIFY(server.port() != 0);
    QVERIFY(QFile::exists(server.runtimeDir() + QStringLiteral("/nginx.conf")));
    QVERIFY(server.configText().contains(QStringLiteral("listen 127.0.0.1:%1;").arg(server.port())));

    const HttpResult health = httpCall(server.port(), "GET", duplex::peer::kNchanHealthPath);
    QCOMPARE(health.status, 200);
    const HttpResult status = httpCall(server.port(), "GET", duplex::peer::kNchanStatusPath);
    QCOMPARE(status.status, 200);
    QVERIFY2(status.body.contains("subscribers:"), status.body.constData());

    // The master and its workers are ours, in the master's process group.
    const QList<qint64> pids = server.pids();
    QCOMPARE(pids.size(), 3);
    QCOMPARE(pids.constFirst(), server.masterPid());
    for (qint64 pid : pids) {
        QVERIFY(duplex::util::isRunning(pid));
        QCOMPARE(qint64(::getpgid(pid_t(pid))), server.masterPid());
    }
    stopAndCheck(server);
}

void TestNchan::deliversEveryMessageOnceInOrder()
{
    NchanServer server(serverOptions());
    QVERIFY(start(server));
    const QString channel = QStringLiteral("every-message");

    Received ws;
    Received lp;
    Received plain; // WebSocket without ws+meta.nchan: bare frames
    auto wsClient = subscriber(server.port(), channel, NchanClient::Transport::WebSocket, &ws);
    auto lpClient = subscriber(server.port(), channel, NchanClient::Transport::LongPoll, &lp, kSecondSource);
    auto plainClient = subscriber(server.port(), channel, NchanClient::Transport::WebSocket, &plain, {}, false);
    wsClient->start();
    lpClient->start();
    plainClient->start();
    QTRY_COMPARE_WITH_TIMEOUT(ws.welcomes, 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(lp.welcomes, 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(plain.welcomes, 1, 10000);

    // 200 messages at about 200 per second, from one publisher.
    Tally tally;
    auto pub = publisher(server.port(), channel, &tally);
    const QStringList expected = numbered(QStringLiteral("m"), 1, 200);
    int next = 0;
    QTimer pace;
    pace.setInterval(5);
    connect(&pace, &QTimer::timeout, this, [&] {
        if (next < expected.size())
            pub->publish(expected.at(next++));
        else
            pace.stop();
    });
    pace.start();

    QTRY_COMPARE_WITH_TIMEOUT(tally.published + int(tally.failures.size()), 200, 20000);
    QVERIFY2(tally.failures.isEmpty(), qPrintable(tally.failures.join(QLatin1Char('\n'))));
    QTRY_VERIFY_WITH_TIMEOUT(ws.messages.size() >= 200 && lp.messages.size() >= 200 && plain.messages.size() >= 200, 10000);
    // A repeated message would show up before a sentinel published after them all.
    const QString sentinel = QStringLiteral("sentinel");
    QVERIFY(publishSentinel(pub.get(), &tally, {&ws, &lp, &plain}, sentinel));
    QCOMPARE(ws.messages, expected + QStringList{sentinel});
    QCOMPARE(lp.messages, expected + QStringList{sentinel});
    QCOMPARE(plain.messages, expected + QStringList{sentinel});

    // One message per long-poll answer: 201 round trips (the sentinel's included), all on
    // one connection from the chosen source address.
    QCOMPARE(lpClient->pollsCompleted(), 201);
    QCOMPARE(lpClient->localAddress(), kSecondSource);
    QCOMPARE(wsClient->messagesReceived(), 201);
    for (const Received *r : {&ws, &lp, &plain}) {
        QVERIFY2(r->reconnects.isEmpty(), qPrintable(r->reconnects.join(QLatin1Char('\n'))));
        QVERIFY2(r->errors.isEmpty(), qPrintable(r->errors.join(QLatin1Char('\n'))));
    }
    QCOMPARE(ws.welcomes, 1);
    QCOMPARE(lp.welcomes, 1);
    QCOMPARE(plain.welcomes, 1);

    wsClient->stop();
    lpClient->stop();
    plainClient->stop();
    stopAndCheck(server);
}

void TestNchan::startsAfterTheNewestMessage()
{
    NchanServer server(serverOptions());
    QVERIFY(start(server));
    const QString channel = QStringLiteral("newest");
    Tally tally;
    auto pub = publisher(server.port(), channel, &tally);
    QVERIFY(publishAll(pub.get(), &tally, numbered(QStringLiteral("old"), 1, 5)));

    // nchan itself: a long-poll that names no message waits for the next one (the config's
    // nchan_subscriber_first_message newest; nchan 1.3 alone would answer the oldest).
    const HttpResult bare = httpCall(server.port(), "GET", "/sub?channel=newest", {}, {}, 700);
    QCOMPARE(bare.status, 0);
    QVERIFY2(bare.error.contains(QLatin1String("timed out")), qPrintable(bare.error));

    Received ws;
    Received lp;
    auto wsClient = subscriber(server.port(), channel, NchanClient::Transport::WebSocket, &ws);
    auto lpClient = subscriber(server.port(), channel, NchanClient::Transport::LongPoll, &lp, kSecondSource);
    wsClient->start();
    lpClient->start();
    QTRY_COMPARE_WITH_TIMEOUT(ws.welcomes, 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(lp.welcomes, 1, 10000);
    const QStringList fresh = numbered(QStringLiteral("new"), 1, 3);
    QVERIFY(publishAll(pub.get(), &tally, fresh));
    QTRY_VERIFY_WITH_TIMEOUT(ws.messages.size() >= 3 && lp.messages.size() >= 3, 10000);
    // An old message handed over late would arrive before a sentinel published last.
    const QString sentinel = QStringLiteral("sentinel");
    QVERIFY(publishSentinel(pub.get(), &tally, {&ws, &lp}, sentinel));
    QCOMPARE(ws.messages, fresh + QStringList{sentinel});
    QCOMPARE(lp.messages, fresh + QStringList{sentinel});

    wsClient->stop();
    lpClient->stop();
    stopAndCheck(server);
}

void TestNchan::resumesWhereItStopped()
{
    NchanServer server(serverOptions());
    QVERIFY(start(server));
    const QString channel = QStringLiteral("resume");
    Tally tally;
    auto pub = publisher(server.port(), channel, &tally);

    Received ws;
    Received lp;
    auto wsClient = subscriber(server.port(), channel, NchanClient::Transport::WebSocket, &ws);
    auto lpClient = subscriber(server.port(), channel, NchanClient::Transport::LongPoll, &lp, kSecondSource);
    wsClient->start();
    lpClient->start();
    QTRY_COMPARE_WITH_TIMEOUT(ws.welcomes, 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(lp.welcomes, 1, 10000);
    const QStringList first = numbered(QStringLiteral("a"), 1, 3);
    QVERIFY(publishAll(pub.get(), &tally, first));
    QTRY_VERIFY_WITH_TIMEOUT(ws.messages.size() >= 3 && lp.messages.size() >= 3, 10000);

    // Away while 4 more are published; back, they get exactly those (ids / If-* headers).
    wsClient->stop();
    lpClient->stop();
    const QStringList missed = numbered(QStringLiteral("b"), 1, 4);
    QVERIFY(publishAll(pub.get(), &tally, missed));
    wsClient->start();
    lpClient->start();
    const QStringList after = numbered(QStringLiteral("c"), 1, 2);
    QTRY_COMPARE_WITH_TIMEOUT(ws.welcomes, 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(lp.welcomes, 2, 10000);
    QVERIFY(publishAll(pub.get(), &tally, after));
    QTRY_VERIFY_WITH_TIMEOUT(ws.messages.size() >= 9 && lp.messages.size() >= 9, 10000);
    // A message resumed twice would arrive before a sentinel published last.
    const QString sentinel = QStringLiteral("sentinel");
    QVERIFY(publishSentinel(pub.get(), &tally, {&ws, &lp}, sentinel));
    QCOMPARE(ws.messages, first + missed + after + QStringList{sentinel});
    QCOMPARE(lp.messages, first + missed + after + QStringList{sentinel});

    wsClient->stop();
    lpClient->stop();
    stopAndCheck(server);
}

void TestNchan::publishFailsWithoutServer()
{
    // A port nobody listens on: bound, then released.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    Tally tally;
    auto pub = publisher(port, QStringLiteral("nowhere"), &tally);
    pub->publish(QStringLiteral("one"));
    pub->publish(QStringLiteral("two"));
    QTRY_COMPARE_WITH_TIMEOUT(tally.failures.size(), 2, 10000);
    QCOMPARE(tally.published, 0);
    QCOMPARE(pub->pendingPublishes(), 0);
}

void TestNchan::startFailures()
{
    struct Case
    {
        const char *name;
        NchanServer::Options options;
        QString expected;
    };
    QTcpServer busy;
    QVERIFY(busy.listen(QHostAddress::LocalHost, 0));
    QList<Case> cases;
    NchanServer::Options noNginx = serverOptions();
    noNginx.nginxProgram = QStringLiteral("/nonexistent/nginx");
    cases.append({"no nginx", noNginx, QStringLiteral("nginx not found")});
    NchanServer::Options noModule = serverOptions();
    noModule.modulePath = QStringLiteral("/nonexistent/ngx_nchan_module.so");
    cases.append({"no module", noModule, QStringLiteral("install libnginx-mod-nchan")});
    NchanServer::Options portTaken = serverOptions();
    portTaken.port = busy.serverPort();
    cases.append({"port taken", portTaken, QStringLiteral("already in use")});

    for (const Case &c : std::as_const(cases)) {
        NchanServer server(c.options);
        QSignalSpy failed(&server, &NchanServer::startFailed);
        QSignalSpy started(&server, &NchanServer::started);
        server.start();
        // Reported from the event loop, never inside start().
        QCOMPARE(failed.size(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 5000);
        const QString reason = failed.constFirst().constFirst().toString();
        QVERIFY2(reason.contains(c.expected), qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(c.name), reason)));
        QCOMPARE(started.size(), 0);
        QCOMPARE(server.state(), NchanServer::State::Stopped);
        QVERIFY(server.pids().isEmpty());
    }
}

void TestNchan::killedMasterLeavesNoWorker()
{
    NchanServer server(serverOptions());
    QVERIFY(start(server));
    const QList<qint64> pids = server.pids();
    QCOMPARE(pids.size(), 3);
    QSignalSpy failed(&server, &NchanServer::failed);
    // A crash of the master alone: its workers would serve on as orphans.
    QVERIFY(::kill(pid_t(server.masterPid()), SIGKILL) == 0);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    QVERIFY2(failed.constFirst().constFirst().toString().contains(QLatin1String("signal 9")),
             qPrintable(failed.constFirst().constFirst().toString()));
    QCOMPARE(server.state(), NchanServer::State::Stopped);
    for (qint64 pid : pids)
        QVERIFY2(!duplex::util::isRunning(pid), qPrintable(QStringLiteral("nginx process %1 outlived its master").arg(pid)));
}

void TestNchan::clientsRetryWhenNchanGoes()
{
    NchanServer server(serverOptions());
    QVERIFY(start(server));
    Received ws;
    Received lp;
    auto wsClient = subscriber(server.port(), QStringLiteral("gone"), NchanClient::Transport::WebSocket, &ws);
    auto lpClient = subscriber(server.port(), QStringLiteral("gone"), NchanClient::Transport::LongPoll, &lp, kSecondSource);
    wsClient->start();
    lpClient->start();
    QTRY_COMPARE_WITH_TIMEOUT(ws.welcomes, 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(lp.welcomes, 1, 10000);
    stopAndCheck(server);
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(!ws.reconnects.isEmpty() && !lp.reconnects.isEmpty(), 10000);
    QVERIFY(wsClient->isRunning());
    QVERIFY(lpClient->isRunning());
    QVERIFY(ws.errors.isEmpty());
    QVERIFY(lp.errors.isEmpty());
    wsClient->stop();
    lpClient->stop();
}

// duplex-loadgen --protocol nchan: the same instrument, nchan's subscribers and publisher;
// every message of the run reaches every subscriber of both transports once.
void TestNchan::loadgenMeasuresNchan()
{
    NchanServer server(serverOptions());
    QVERIFY(start(server));
    QProcess loadgen;
    loadgen.start(QStringLiteral(DUPLEX_BIN_DIR "/duplex-loadgen"),
                  {QStringLiteral("--protocol"), QStringLiteral("nchan"), QStringLiteral("--url"),
                   QStringLiteral("http://127.0.0.1:%1/").arg(server.port()), QStringLiteral("--transport"), QStringLiteral("ws"),
                   QStringLiteral("--transport"), QStringLiteral("comet"), QStringLiteral("--clients"), QStringLiteral("10"),
                   QStringLiteral("--messages"), QStringLiteral("100"), QStringLiteral("--rate"), QStringLiteral("100"),
                   QStringLiteral("--spread-sources"), QStringLiteral("--grace"), QStringLiteral("10")});
    // Waited for on the event loop: nginx's supervisor needs it meanwhile.
    QTRY_VERIFY_WITH_TIMEOUT(loadgen.state() == QProcess::NotRunning, 60000);
    const QByteArray log = loadgen.readAllStandardError();
    QVERIFY2(loadgen.exitStatus() == QProcess::NormalExit && loadgen.exitCode() == 0, log.constData());
    QList<QByteArray> lines = loadgen.readAllStandardOutput().split('\n');
    lines.removeAll(QByteArray());
    QVERIFY(!lines.isEmpty());
    const duplex::load::SummaryParse summary = duplex::load::parseSummaryJson(lines.constLast());
    QVERIFY2(summary.status == duplex::load::SummaryParse::Status::Ok, qPrintable(summary.error));
    QCOMPARE(summary.transports.size(), 2);
    for (const auto &t : summary.transports) {
        QCOMPARE(t.summary.clients, 10);
        QCOMPARE(t.summary.expected, qint64(10 * 100));
        QCOMPARE(t.summary.delivered, t.summary.expected);
        QCOMPARE(t.summary.lost, qint64(0));
        QCOMPARE(t.summary.duplicated, qint64(0));
    }
    stopAndCheck(server);
}

QTEST_GUILESS_MAIN(TestNchan)
#include "tst_nchan.moc"
