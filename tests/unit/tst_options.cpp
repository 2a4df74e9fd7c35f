// Unit tests of the command lines: core/util/serveroptions.{h,cpp} (broker, ws and static
// nodes) and core/commands/ctl/ctloptions.{h,cpp} (duplexctl).

#include "ctl/ctloptions.h"
#include "loadgen/loadoptions.h"
#include "app/serveroptions.h"

#include <QtTest>

using duplex::app::ServerOptionsParse;
using duplex::app::parseServerOptions;
using duplex::util::Role;
using duplex::protocol::Transport;
using duplex::ctl::CtlParse;
using duplex::nginx::CometBalance;

Q_DECLARE_METATYPE(duplex::util::Role)
Q_DECLARE_METATYPE(duplex::app::ServerOptionsParse::Status)
Q_DECLARE_METATYPE(duplex::ctl::CtlParse::Status)
Q_DECLARE_METATYPE(duplex::nginx::CometBalance)
Q_DECLARE_METATYPE(duplex::loadgen::LoadOptions)

namespace {

QStringList argv(const QString &program, const QString &line)
{
    QStringList args{program};
    args += line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return args;
}

const QByteArray kSecret = "s3cret";

} // namespace

class TestOptions : public QObject
{
    Q_OBJECT

private slots:
    void serverGood_data();
    void serverGood();
    void serverBad_data();
    void serverBad();
    void serverHelp_data();
    void serverHelp();
    void cometHold_data();
    void cometHold();
    void nodeLimits_data();
    void nodeLimits();
    void historyBounds_data();
    void historyBounds();
    void brokerMaxNodeLag_data();
    void brokerMaxNodeLag();
    void channelBounds_data();
    void channelBounds();
    void loadgenGood();
    void loadgenBad_data();
    void loadgenBad();
    void loadgenRoundTrip_data();
    void loadgenRoundTrip();

    void ctlGood_data();
    void ctlGood();
    void ctlServerOptions_data();
    void ctlServerOptions();
    void ctlBad_data();
    void ctlBad();
    void ctlHelp_data();
    void ctlHelp();
};

void TestOptions::serverGood_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<QString>("line");
    QTest::addColumn<QByteArray>("secret");
    // Expected fields.
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("adminPort");
    QTest::addColumn<QString>("brokerHost");
    QTest::addColumn<int>("brokerPort");
    QTest::addColumn<int>("history");
    QTest::addColumn<int>("buffer");
    QTest::addColumn<qint64>("maxMessage");
    QTest::addColumn<double>("rateLimit");
    QTest::addColumn<QString>("root");

    QTest::newRow("ws-minimal") << Role::WebSocket << "--broker 127.0.0.1:4000" << kSecret << "ws" << "127.0.0.1" << 0 << 0
                                << "127.0.0.1" << 4000 << 10000 << 1000 << qint64(65536) << 1000.0 << "";
    QTest::newRow("ws-everything")
        << Role::WebSocket
        << "--host 127.0.0.2 --port 9000 --admin-port 9001 --name ws-2 --broker localhost:4001 --buffer 50 "
           "--max-message 1024 --rate-limit 0"
        << kSecret << "ws-2" << "127.0.0.2" << 9000 << 9001 << "127.0.0.1" << 4001 << 10000 << 50 << qint64(1024) << 0.0 << "";
    QTest::newRow("ws-equals-form") << Role::WebSocket << "--broker=10.1.2.3:65535 --port=65535 --rate-limit=2.5" << kSecret
                                    << "ws" << "127.0.0.1" << 65535 << 0 << "10.1.2.3" << 65535 << 10000 << 1000 << qint64(65536)
                                    << 2.5 << "";
    QTest::newRow("broker-defaults") << Role::Broker << "" << kSecret << "broker" << "127.0.0.1" << 0 << 0 << "127.0.0.1"
                                     << 0 << 10000 << 1000 << qint64(65536) << 1000.0 << "";
    QTest::newRow("broker-history") << Role::Broker << "--history 5 --port 4000 --name b1" << kSecret << "b1" << "127.0.0.1"
                                    << 4000 << 0 << "127.0.0.1" << 0 << 5 << 1000 << qint64(65536) << 1000.0 << "";
    QTest::newRow("static-root-no-secret") << Role::Static << "--root /srv/web" << QByteArray() << "static" << "127.0.0.1"
                                           << 0 << 0 << "127.0.0.1" << 0 << 10000 << 1000 << qint64(65536) << 1000.0
                                           << "/srv/web";
    QTest::newRow("static-default-root") << Role::Static << "--port 8000" << kSecret << "static" << "127.0.0.1" << 8000
                                         << 0 << "127.0.0.1" << 0 << 10000 << 1000 << qint64(65536) << 1000.0
                                         << "/default/web";
}

void TestOptions::serverGood()
{
    QFETCH(Role, role);
    QFETCH(QString, line);
    QFETCH(QByteArray, secret);
    QFETCH(QString, name);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(int, adminPort);
    QFETCH(QString, brokerHost);
    QFETCH(int, brokerPort);
    QFETCH(int, history);
    QFETCH(int, buffer);
    QFETCH(qint64, maxMessage);
    QFETCH(double, rateLimit);
    QFETCH(QString, root);

    const ServerOptionsParse r =
        parseServerOptions(role, argv(QStringLiteral("duplex-x"), line), secret, QStringLiteral("/default/web"));
    QVERIFY2(r.status == ServerOptionsParse::Status::Ok, qPrintable(r.text));
    const auto &o = r.options;
    QCOMPARE(o.name, name);
    QCOMPARE(o.host, QHostAddress(host));
    QCOMPARE(int(o.port), port);
    QCOMPARE(int(o.adminPort), adminPort);
    if (role == Role::WebSocket) {
        QCOMPARE(o.brokerHost, QHostAddress(brokerHost));
        QCOMPARE(int(o.brokerPort), brokerPort);
    }
    QCOMPARE(o.history, history);
    QCOMPARE(o.buffer, buffer);
    QCOMPARE(o.maxMessageBytes, maxMessage);
    QCOMPARE(o.rateLimit, rateLimit);
    QCOMPARE(o.root, root);
    QCOMPARE(o.secret, role == Role::Static ? QByteArray() : secret);
}

void TestOptions::nodeLimits_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<QString>("line");
    // Expected: connections, presence limit, lag ms, backlog, outbound, new sessions per s,
    // connections per address;
    // or the start of the error when `error` is set.
    QTest::addColumn<QList<double>>("expected");
    QTest::addColumn<QString>("error");

    const auto ws = Role::WebSocket;
    const auto comet = Role::Comet;
    const double mib = 1 << 20;
    QTest::newRow("ws defaults") << ws << "" << QList<double>{10000, 1000, 10000, 64 * mib, 256 * mib, 20, 1000} << "";
    QTest::newRow("ws all set")
        << ws << "--max-connections 5 --presence-limit 0 --max-lag 0.5 --max-backlog 1048576 --max-outbound 2097152 "
                 "--max-per-address 2"
        << QList<double>{5, 0, 500, mib, 2 * mib, 20, 2} << "";
    QTest::newRow("comet all set") << comet << "--max-connections 7 --presence-limit 3 --new-sessions 0.5"
                                   << QList<double>{7, 3, 10000, 64 * mib, 256 * mib, 0.5, 1000} << "";
    QTest::newRow("ws connections 0") << ws << "--max-connections 0" << QList<double>{} << "--max-connections";
    QTest::newRow("ws connections huge") << ws << "--max-connections 1000001" << QList<double>{} << "--max-connections";
    QTest::newRow("ws presence negative") << ws << "--presence-limit -1" << QList<double>{} << "--presence-limit";
    QTest::newRow("ws lag 0") << ws << "--max-lag 0" << QList<double>{} << "--max-lag";
    QTest::newRow("ws per address 0") << ws << "--max-per-address 0" << QList<double>{} << "--max-per-address";
    QTest::newRow("comet takes no max-per-address") << comet << "--max-per-address 5" << QList<double>{} << "max-per-address";
    QTest::newRow("ws lag nan") << ws << "--max-lag nan" << QList<double>{} << "--max-lag";
    QTest::newRow("ws lag over an hour") << ws << "--max-lag 3601" << QList<double>{} << "--max-lag";
    QTest::newRow("ws backlog below 1 MiB") << ws << "--max-backlog 1048575" << QList<double>{} << "--max-backlog";
    QTest::newRow("ws outbound below the backlog")
        << ws << "--max-backlog 4194304 --max-outbound 2097152" << QList<double>{} << "--max-outbound";
    QTest::newRow("comet new sessions 0") << comet << "--new-sessions 0" << QList<double>{} << "--new-sessions";
    QTest::newRow("comet takes no max-lag") << comet << "--max-lag 5" << QList<double>{} << "max-lag";
    QTest::newRow("ws takes no new-sessions") << ws << "--new-sessions 5" << QList<double>{} << "new-sessions";
    QTest::newRow("broker takes no max-connections")
        << Role::Broker << "--max-connections 5" << QList<double>{} << "max-connections";
}

void TestOptions::nodeLimits()
{
    QFETCH(Role, role);
    QFETCH(QString, line);
    QFETCH(QList<double>, expected);
    QFETCH(QString, error);

    const QString broker = role == Role::Broker ? QString() : QStringLiteral("--broker 127.0.0.1:4000 ");
    const ServerOptionsParse r = parseServerOptions(role, argv(QStringLiteral("duplex-x"), broker + line), kSecret);
    if (!error.isEmpty()) {
        QCOMPARE(r.status, ServerOptionsParse::Status::Error);
        QVERIFY2(r.text.contains(error), qPrintable(r.text));
        return;
    }
    QVERIFY2(r.status == ServerOptionsParse::Status::Ok, qPrintable(r.text));
    const auto &o = r.options;
    QCOMPARE(double(o.maxConnections), expected[0]);
    QCOMPARE(double(o.presenceLimit), expected[1]);
    QCOMPARE(double(o.maxLagMs), expected[2]);
    QCOMPARE(double(o.maxBacklogBytes), expected[3]);
    QCOMPARE(double(o.maxOutboundBytes), expected[4]);
    QCOMPARE(o.newSessionRate, expected[5]);
    QCOMPARE(double(o.maxPerAddress), expected[6]);
}

void TestOptions::historyBounds_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<QString>("line");
    QTest::addColumn<QList<qint64>>("expected"); // per channel, over all channels

    const qint64 mib = 1 << 20;
    QTest::newRow("broker defaults") << Role::Broker << "" << QList<qint64>{64 * mib, 256 * mib};
    QTest::newRow("broker set") << Role::Broker << "--history-bytes 1048576 --history-total 1048576"
                                << QList<qint64>{mib, mib};
    QTest::newRow("ws defaults") << Role::WebSocket << "--broker 127.0.0.1:4000" << QList<qint64>{8 * mib, 256 * mib};
    QTest::newRow("comet set") << Role::Comet << "--broker 127.0.0.1:4000 --buffer-bytes 2097152 --buffer-total 4194304"
                               << QList<qint64>{2 * mib, 4 * mib};
}

void TestOptions::historyBounds()
{
    QFETCH(Role, role);
    QFETCH(QString, line);
    QFETCH(QList<qint64>, expected);
    const ServerOptionsParse r = parseServerOptions(role, argv(QStringLiteral("duplex-x"), line), kSecret);
    QVERIFY2(r.status == ServerOptionsParse::Status::Ok, qPrintable(r.text));
    const bool broker = role == Role::Broker;
    QCOMPARE(broker ? r.options.historyBytes : r.options.bufferBytes, expected[0]);
    QCOMPARE(broker ? r.options.historyTotalBytes : r.options.bufferTotalBytes, expected[1]);
}

void TestOptions::cometHold_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("hold"); // 0: refused

    QTest::newRow("default") << "" << 25;
    QTest::newRow("one-second") << "--hold 1" << 1;
    QTest::newRow("an-hour") << "--hold=3600" << 3600;
    QTest::newRow("zero") << "--hold 0" << 0;
    QTest::newRow("negative") << "--hold -3" << 0;
    QTest::newRow("over-an-hour") << "--hold 3601" << 0;
    QTest::newRow("text") << "--hold long" << 0;
    QTest::newRow("fraction") << "--hold 2.5" << 0;
}

void TestOptions::brokerMaxNodeLag_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<qint64>("bytes"); // 0: refused

    QTest::newRow("default: 64 MiB") << "" << qint64(64 * 1024 * 1024);
    QTest::newRow("the least: 1 MiB") << "--max-node-lag 1048576" << qint64(1048576);
    QTest::newRow("a GiB") << "--max-node-lag=1073741824" << qint64(1073741824);
    QTest::newRow("past 2^31") << "--max-node-lag 4294967296" << qint64(4294967296);
    QTest::newRow("one under the least") << "--max-node-lag 1048575" << qint64(0);
    QTest::newRow("zero") << "--max-node-lag 0" << qint64(0);
    QTest::newRow("negative") << "--max-node-lag -1" << qint64(0);
    QTest::newRow("text") << "--max-node-lag lots" << qint64(0);
    QTest::newRow("with a unit") << "--max-node-lag 64MiB" << qint64(0);
    QTest::newRow("fraction") << "--max-node-lag 1048576.5" << qint64(0);
}

void TestOptions::brokerMaxNodeLag()
{
    QFETCH(QString, line);
    QFETCH(qint64, bytes);

    const ServerOptionsParse r = parseServerOptions(Role::Broker, argv(QStringLiteral("duplex-broker"), line), kSecret);
    if (bytes == 0) {
        QCOMPARE(r.status, ServerOptionsParse::Status::Error);
        QVERIFY2(r.text.contains(QLatin1String("--max-node-lag")), qPrintable(r.text));
        return;
    }
    QVERIFY2(r.status == ServerOptionsParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.options.maxNodeLag, bytes);
}

void TestOptions::channelBounds_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("value"); // the broker's maxChannels or a node's channelIdleMs; 0: refused

    QTest::newRow("broker default") << Role::Broker << "" << 100000;
    QTest::newRow("broker one") << Role::Broker << "--max-channels 1" << 1;
    QTest::newRow("broker zero") << Role::Broker << "--max-channels 0" << 0;
    QTest::newRow("broker past the most") << Role::Broker << "--max-channels 100000001" << 0;
    QTest::newRow("broker text") << Role::Broker << "--max-channels many" << 0;
    QTest::newRow("broker takes no channel-idle") << Role::Broker << "--channel-idle 5" << 0;
    QTest::newRow("ws default") << Role::WebSocket << "" << 300000;
    QTest::newRow("ws half a second") << Role::WebSocket << "--channel-idle 0.5" << 500;
    QTest::newRow("comet a day") << Role::Comet << "--channel-idle 86400" << 86400000;
    QTest::newRow("comet past a day") << Role::Comet << "--channel-idle 86401" << 0;
    QTest::newRow("ws under the least") << Role::WebSocket << "--channel-idle 0.05" << 0;
    QTest::newRow("ws nan") << Role::WebSocket << "--channel-idle nan" << 0;
    QTest::newRow("ws takes no max-channels") << Role::WebSocket << "--max-channels 5" << 0;
}

void TestOptions::channelBounds()
{
    QFETCH(Role, role);
    QFETCH(QString, line);
    QFETCH(int, value);

    const QString broker = role == Role::Broker ? QString() : QStringLiteral("--broker 127.0.0.1:4000 ");
    const ServerOptionsParse r = parseServerOptions(role, argv(QStringLiteral("duplex-x"), broker + line), kSecret);
    if (value == 0) {
        QCOMPARE(r.status, ServerOptionsParse::Status::Error);
        QVERIFY2(r.text.contains(QLatin1String("channel")), qPrintable(r.text));
        return;
    }
    QVERIFY2(r.status == ServerOptionsParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(role == Role::Broker ? r.options.maxChannels : r.options.channelIdleMs, value);
}

void TestOptions::cometHold()
{
    QFETCH(QString, line);
    QFETCH(int, hold);

    const ServerOptionsParse r = parseServerOptions(
        Role::Comet, argv(QStringLiteral("duplex-comet-node"), QStringLiteral("--broker 127.0.0.1:4000 ") + line), kSecret);
    if (hold == 0) {
        QCOMPARE(r.status, ServerOptionsParse::Status::Error);
        QVERIFY2(r.text.contains(QLatin1String("--hold")), qPrintable(r.text));
        return;
    }
    QVERIFY2(r.status == ServerOptionsParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.options.holdSeconds, hold);
    QCOMPARE(r.options.name, QStringLiteral("comet"));
    QCOMPARE(int(r.options.brokerPort), 4000);
}

void TestOptions::loadgenGood()
{
    using duplex::loadgen::LoadOptionsParse;
    const LoadOptionsParse defaults = duplex::loadgen::parseLoadOptions({QStringLiteral("duplex-loadgen")});
    QVERIFY2(defaults.status == LoadOptionsParse::Status::Ok, qPrintable(defaults.text));
    QCOMPARE(defaults.options.transports, QList<Transport>{Transport::WebSocket});
    QCOMPARE(defaults.options.port, quint16(8080));
    QCOMPARE(defaults.options.size, 16);
    QCOMPARE(defaults.options.procs, 1);
    QCOMPARE(defaults.options.worker, -1);
    QCOMPARE(defaults.options.protocol, duplex::loadgen::LoadOptions::Protocol::Duplex);
    QVERIFY(!duplex::loadgen::workerArguments(defaults.options, 0, 2).contains(QStringLiteral("--protocol")));
    const LoadOptionsParse duplexNamed = duplex::loadgen::parseLoadOptions(argv(QStringLiteral("duplex-loadgen"), QStringLiteral("--protocol duplex")));
    QVERIFY2(duplexNamed.status == LoadOptionsParse::Status::Ok, qPrintable(duplexNamed.text));
    QCOMPARE(duplexNamed.options.protocol, duplex::loadgen::LoadOptions::Protocol::Duplex);

    const LoadOptionsParse r = duplex::loadgen::parseLoadOptions(argv(
        QStringLiteral("duplex-loadgen"),
        QStringLiteral("--transport comet --transport ws --transport comet --clients 1000 --publishers 4 --rate 250.5 "
                       "--size 40 --messages 5000 --channel bench.1 --url http://127.0.0.1:9090/ --spread-sources "
                       "--ramp 200 --interval 1000 --csv /tmp/x.csv --grace 0 --connect-timeout 60 --procs 2 --protocol nchan")));
    QVERIFY2(r.status == LoadOptionsParse::Status::Ok, qPrintable(r.text));
    const auto &o = r.options;
    QCOMPARE(o.transports, (QList<Transport>{Transport::Comet, Transport::WebSocket}));
    QCOMPARE(o.clients, 1000);
    QCOMPARE(o.publishers, 4);
    QCOMPARE(o.rate, 250.5);
    QCOMPARE(o.size, 40);
    QCOMPARE(o.messages, qint64(5000));
    QCOMPARE(o.channel, QStringLiteral("bench.1"));
    QCOMPARE(o.port, quint16(9090));
    QVERIFY(o.spreadSources);
    QCOMPARE(o.rampPerSecond, 200.0);
    QCOMPARE(o.intervalMs, 1000);
    QCOMPARE(o.csvPath, QStringLiteral("/tmp/x.csv"));
    QCOMPARE(o.graceSeconds, 0.0);
    QCOMPARE(o.connectTimeoutSeconds, 60);
    QCOMPARE(o.procs, 2);
    QCOMPARE(o.worker, -1);
    QCOMPARE(o.protocol, duplex::loadgen::LoadOptions::Protocol::Nchan);

    // What a parent gives its workers reads back as the same subscribers' side, and
    // never as a CSV of their own.
    const QStringList workerLine = duplex::loadgen::workerArguments(o, 1, 2);
    QVERIFY(!workerLine.contains(QStringLiteral("--csv")));
    const LoadOptionsParse w = duplex::loadgen::parseLoadOptions(QStringList{QStringLiteral("duplex-loadgen")} + workerLine);
    QVERIFY2(w.status == LoadOptionsParse::Status::Ok, qPrintable(w.text));
    QCOMPARE(w.options.worker, 1);
    QCOMPARE(w.options.procs, 2);
    QCOMPARE(w.options.protocol, o.protocol);
    QCOMPARE(w.options.transports, o.transports);
    QCOMPARE(w.options.clients, o.clients);
    QCOMPARE(w.options.publishers, o.publishers);
    QCOMPARE(w.options.channel, o.channel);
    QCOMPARE(w.options.host, o.host);
    QCOMPARE(w.options.port, o.port);
    QCOMPARE(w.options.spreadSources, o.spreadSources);
    QCOMPARE(w.options.rampPerSecond, o.rampPerSecond);
    QVERIFY(w.options.csvPath.isEmpty());

    const LoadOptionsParse most = duplex::loadgen::parseLoadOptions(argv(QStringLiteral("duplex-loadgen"), QStringLiteral("--procs 64")));
    QVERIFY2(most.status == LoadOptionsParse::Status::Ok, qPrintable(most.text));
    QCOMPARE(most.options.procs, 64);
    // --help says what --procs does, and nothing of the internal --worker.
    const LoadOptionsParse help = duplex::loadgen::parseLoadOptions(argv(QStringLiteral("duplex-loadgen"), QStringLiteral("--help")));
    QVERIFY(help.status == LoadOptionsParse::Status::Help);
    QVERIFY(help.text.contains(QStringLiteral("--procs <n>")));
    QVERIFY(!help.text.contains(QStringLiteral("--worker")));
}

void TestOptions::loadgenBad_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("error");
    QTest::newRow("transport") << "--transport sse" << "--transport";
    QTest::newRow("protocol") << "--protocol faye" << "--protocol";
    QTest::newRow("protocol-empty") << "--protocol=" << "--protocol";
    QTest::newRow("clients-0") << "--clients 0" << "--clients";
    QTest::newRow("clients-huge") << "--clients 20001" << "--clients";
    QTest::newRow("rate-0") << "--rate 0" << "--rate";
    QTest::newRow("rate-nan") << "--rate nan" << "--rate";
    QTest::newRow("size-15") << "--size 15" << "--size";
    QTest::newRow("messages-0") << "--messages 0" << "--messages";
    QTest::newRow("duration-text") << "--duration long" << "--duration";
    QTest::newRow("channel") << "--channel a/b" << "--channel";
    QTest::newRow("url-ws") << "--url ws://127.0.0.1:8080/" << "--url";
    QTest::newRow("url-garbage") << "--url nothing" << "--url";
    QTest::newRow("interval-10") << "--interval 10" << "--interval";
    QTest::newRow("grace-negative") << "--grace -1" << "--grace";
    QTest::newRow("procs-0") << "--procs 0" << "--procs";
    QTest::newRow("procs-65") << "--procs 65" << "--procs";
    QTest::newRow("procs-text") << "--procs two" << "--procs";
    QTest::newRow("worker-shape") << "--worker 1" << "--worker";
    QTest::newRow("worker-index") << "--worker 2/2" << "--worker";
    QTest::newRow("worker-procs") << "--worker 0/2 --procs 3" << "--worker";
    QTest::newRow("positional") << "extra" << "extra";
}

void TestOptions::loadgenBad()
{
    QFETCH(QString, line);
    QFETCH(QString, error);
    const auto r = duplex::loadgen::parseLoadOptions(argv(QStringLiteral("duplex-loadgen"), line));
    QVERIFY2(r.status == duplex::loadgen::LoadOptionsParse::Status::Error, qPrintable(r.text));
    QVERIFY2(r.text.contains(error), qPrintable(r.text));
    QVERIFY(!r.text.contains(QLatin1Char('\n')));
}

void TestOptions::loadgenRoundTrip_data()
{
    using duplex::loadgen::LoadOptions;
    QTest::addColumn<LoadOptions>("options");
    QTest::newRow("defaults") << LoadOptions{};

    LoadOptions everything;
    everything.protocol = LoadOptions::Protocol::Nchan;
    everything.transports = {Transport::Comet, Transport::WebSocket};
    everything.clients = 1234;
    everything.publishers = 7;
    everything.rate = 0.1;
    everything.size = 333;
    everything.messages = 98765;
    everything.durationSeconds = 12.25;
    everything.channel = QStringLiteral("-odd.channel_1");
    everything.host = QStringLiteral("127.0.0.2");
    everything.port = 9191;
    everything.spreadSources = true;
    everything.presence = false;
    everything.histograms = true;
    everything.rampPerSecond = 333.3333;
    everything.intervalMs = 250;
    everything.csvPath = QStringLiteral("/tmp/with space/-run.csv");
    everything.graceSeconds = 0;
    everything.connectTimeoutSeconds = 3600;
    everything.procs = 8;
    QTest::newRow("everything") << everything;

    LoadOptions worker;
    worker.transports = {Transport::WebSocket, Transport::Comet};
    worker.host = QStringLiteral("::1");
    worker.port = 80;
    worker.procs = 3;
    worker.worker = 2;
    worker.durationSeconds = 86400;
    QTest::newRow("worker, IPv6") << worker;
}

void TestOptions::loadgenRoundTrip()
{
    using duplex::loadgen::LoadOptionsParse;
    QFETCH(duplex::loadgen::LoadOptions, options);
    const QStringList line = duplex::loadgen::loadArguments(options);
    const LoadOptionsParse r = duplex::loadgen::parseLoadOptions(QStringList{QStringLiteral("duplex-loadgen")} + line);
    QVERIFY2(r.status == LoadOptionsParse::Status::Ok, qPrintable(r.text + QLatin1Char('\n') + line.join(QLatin1Char(' '))));
    const auto &o = r.options;
    QCOMPARE(o.protocol, options.protocol);
    QCOMPARE(o.transports, options.transports);
    QCOMPARE(o.clients, options.clients);
    QCOMPARE(o.publishers, options.publishers);
    QCOMPARE(o.rate, options.rate);
    QCOMPARE(o.size, options.size);
    QCOMPARE(o.messages, options.messages);
    QCOMPARE(o.durationSeconds, options.durationSeconds);
    QCOMPARE(o.channel, options.channel);
    QCOMPARE(o.host, options.host);
    QCOMPARE(o.port, options.port);
    QCOMPARE(o.spreadSources, options.spreadSources);
    QCOMPARE(o.presence, options.presence);
    QCOMPARE(o.histograms, options.histograms);
    QCOMPARE(o.rampPerSecond, options.rampPerSecond);
    QCOMPARE(o.intervalMs, options.intervalMs);
    QCOMPARE(o.csvPath, options.csvPath);
    QCOMPARE(o.graceSeconds, options.graceSeconds);
    QCOMPARE(o.connectTimeoutSeconds, options.connectTimeoutSeconds);
    QCOMPARE(o.procs, options.procs);
    QCOMPARE(o.worker, options.worker);
}

void TestOptions::serverBad_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<QString>("line");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QString>("error"); // a substring of the one-line error

    const auto ws = Role::WebSocket;
    QTest::newRow("ws-no-broker") << ws << "--port 9000" << kSecret << "--broker";
    QTest::newRow("ws-no-secret") << ws << "--broker 127.0.0.1:4000" << QByteArray() << "DUPLEX_SECRET";
    QTest::newRow("ws-port-70000") << ws << "--broker 127.0.0.1:4000 --port 70000" << kSecret << "--port";
    QTest::newRow("ws-port-text") << ws << "--broker 127.0.0.1:4000 --port http" << kSecret << "--port";
    QTest::newRow("ws-port-negative") << ws << "--broker 127.0.0.1:4000 --port -1" << kSecret << "--port";
    QTest::newRow("ws-admin-port-70000") << ws << "--broker 127.0.0.1:4000 --admin-port 70000" << kSecret << "--admin-port";
    QTest::newRow("ws-broker-nohost") << ws << "--broker nohost" << kSecret << "--broker";
    QTest::newRow("ws-broker-port-0") << ws << "--broker 127.0.0.1:0" << kSecret << "--broker";
    QTest::newRow("ws-broker-port-x") << ws << "--broker 127.0.0.1:x" << kSecret << "--broker";
    QTest::newRow("ws-broker-port-70000") << ws << "--broker 127.0.0.1:70000" << kSecret << "--broker";
    QTest::newRow("ws-broker-no-host-part") << ws << "--broker :4000" << kSecret << "--broker";
    QTest::newRow("ws-broker-no-value") << ws << "--broker" << kSecret << "--broker";
    QTest::newRow("ws-host-not-ip") << ws << "--broker 127.0.0.1:4000 --host localhost" << kSecret << "--host";
    QTest::newRow("ws-bad-name") << ws << "--broker 127.0.0.1:4000 --name a/b" << kSecret << "--name";
    QTest::newRow("ws-buffer-0") << ws << "--broker 127.0.0.1:4000 --buffer 0" << kSecret << "--buffer";
    QTest::newRow("ws-max-message-0") << ws << "--broker 127.0.0.1:4000 --max-message 0" << kSecret << "--max-message";
    QTest::newRow("ws-rate-negative") << ws << "--broker 127.0.0.1:4000 --rate-limit -1" << kSecret << "--rate-limit";
    QTest::newRow("ws-rate-text") << ws << "--broker 127.0.0.1:4000 --rate-limit fast" << kSecret << "--rate-limit";
    QTest::newRow("ws-rate-nan") << ws << "--broker 127.0.0.1:4000 --rate-limit nan" << kSecret << "--rate-limit";
    QTest::newRow("ws-rate-inf") << ws << "--broker 127.0.0.1:4000 --rate-limit inf" << kSecret << "--rate-limit";
    QTest::newRow("ws-unknown-option") << ws << "--broker 127.0.0.1:4000 --nope" << kSecret << "nope";
    QTest::newRow("ws-history-not-a-node-option") << ws << "--broker 127.0.0.1:4000 --history 5" << kSecret << "history";
    QTest::newRow("ws-positional") << ws << "--broker 127.0.0.1:4000 extra" << kSecret << "extra";
    QTest::newRow("broker-history-0") << Role::Broker << "--history 0" << kSecret << "--history";
    QTest::newRow("broker-history-negative") << Role::Broker << "--history -5" << kSecret << "--history";
    QTest::newRow("broker-history-text") << Role::Broker << "--history lots" << kSecret << "--history";
    QTest::newRow("broker-no-secret") << Role::Broker << "" << QByteArray() << "DUPLEX_SECRET";
    QTest::newRow("broker-history-bytes-small") << Role::Broker << "--history-bytes 1000" << kSecret << "--history-bytes";
    QTest::newRow("broker-history-bytes-text") << Role::Broker << "--history-bytes lots" << kSecret << "--history-bytes";
    QTest::newRow("broker-history-total-below-channel")
        << Role::Broker << "--history-bytes 2097152 --history-total 1048576" << kSecret << "--history-total";
    QTest::newRow("ws-buffer-bytes-small") << ws << "--broker 127.0.0.1:4000 --buffer-bytes 1000" << kSecret << "--buffer-bytes";
    QTest::newRow("ws-buffer-total-below-channel")
        << ws << "--broker 127.0.0.1:4000 --buffer-bytes 2097152 --buffer-total 1048576" << kSecret << "--buffer-total";
    QTest::newRow("broker-takes-no-buffer-total") << Role::Broker << "--buffer-total 5000000" << kSecret << "buffer-total";
    QTest::newRow("broker-secret-too-long") << Role::Broker << "" << QByteArray(1025, 's') << "at most 1024";
    QTest::newRow("broker-takes-no-broker") << Role::Broker << "--broker 127.0.0.1:4000" << kSecret << "broker";
    QTest::newRow("broker-port-70000") << Role::Broker << "--port 70000" << kSecret << "--port";
    QTest::newRow("static-empty-root") << Role::Static << "--root=" << kSecret << "--root";
    QTest::newRow("static-no-root-at-all") << Role::Static << "" << kSecret << "--root";
    const auto comet = Role::Comet;
    QTest::newRow("comet-no-broker") << comet << "--hold 5" << kSecret << "--broker";
    QTest::newRow("comet-no-secret") << comet << "--broker 127.0.0.1:4000" << QByteArray() << "DUPLEX_SECRET";
    QTest::newRow("ws-max-node-lag-is-the-broker's") << ws << "--broker 127.0.0.1:4000 --max-node-lag 2000000" << kSecret
                                                      << "max-node-lag";
    QTest::newRow("comet-history-not-a-node-option") << comet << "--broker 127.0.0.1:4000 --history 5" << kSecret << "history";
    QTest::newRow("ws-takes-no-hold") << ws << "--broker 127.0.0.1:4000 --hold 5" << kSecret << "hold";
    QTest::newRow("static-takes-no-broker") << Role::Static << "--root /x --broker 127.0.0.1:1" << kSecret << "broker";

    // Each wording of the errors, whole: scripts and people read them.
    const QString b = QStringLiteral("--broker 127.0.0.1:4000 ");
    QTest::newRow("words-host") << ws << b + "--host localhost" << kSecret << "--host: not an IP address: localhost";
    QTest::newRow("words-admin-port") << ws << b + "--admin-port x" << kSecret << "--admin-port: not a port number: x";
    QTest::newRow("words-name") << ws << b + "--name a/b" << kSecret << "--name must match [A-Za-z0-9_.-]{1,64}: a/b";
    QTest::newRow("words-broker-required") << comet << "" << kSecret << "--broker host:port is required";
    QTest::newRow("words-broker-empty") << ws << "--broker=" << kSecret << "--broker: expected host:port, got ";
    QTest::newRow("words-buffer") << ws << b + "--buffer 0" << kSecret << "--buffer: expected a positive count, got 0";
    QTest::newRow("words-max-message")
        << ws << b + "--max-message 0" << kSecret << "--max-message: expected a positive byte count, got 0";
    QTest::newRow("words-buffer-bytes")
        << ws << b + "--buffer-bytes 1048575" << kSecret << "--buffer-bytes: expected a byte count of at least 1048576, got 1048575";
    QTest::newRow("words-buffer-total")
        << comet << b + "--buffer-bytes 2097152 --buffer-total 1048576" << kSecret
        << "--buffer-total: expected a byte count of at least --buffer-bytes (2097152), got 1048576";
    QTest::newRow("words-max-outbound-under-the-default-backlog")
        << ws << b + "--max-outbound 1048576" << kSecret
        << "--max-outbound: expected a byte count of at least --max-backlog (67108864), got 1048576";
    QTest::newRow("words-channel-idle")
        << comet << b + "--channel-idle 0.05" << kSecret << "--channel-idle: expected 0.1 to 86400 seconds, got 0.05";
    QTest::newRow("words-max-lag") << ws << b + "--max-lag 0" << kSecret << "--max-lag: expected 0.1 to 3600 seconds, got 0";
    QTest::newRow("words-rate-limit")
        << ws << b + "--rate-limit -1" << kSecret << "--rate-limit: expected a number from 0 to 1e+06, got -1";
    QTest::newRow("words-new-sessions")
        << comet << b + "--new-sessions 0" << kSecret << "--new-sessions: expected a number from 0.1 to 1e+06, got 0";
    QTest::newRow("words-hold") << comet << b + "--hold 2.5" << kSecret << "--hold: expected 1 to 3600 seconds, got 2.5";
    QTest::newRow("words-presence-limit")
        << ws << b + "--presence-limit -1" << kSecret << "--presence-limit: expected 0 to 1000000, got -1";
    QTest::newRow("words-max-channels")
        << Role::Broker << "--max-channels 0" << kSecret << "--max-channels: expected 1 to 100000000, got 0";
    QTest::newRow("words-history-total")
        << Role::Broker << "--history-bytes 2097152 --history-total 1048576" << kSecret
        << "--history-total: expected a byte count of at least --history-bytes (2097152), got 1048576";
    QTest::newRow("words-max-node-lag")
        << Role::Broker << "--max-node-lag 1048575" << kSecret << "--max-node-lag: expected a byte count of at least 1048576, got 1048575";
    QTest::newRow("words-root") << Role::Static << "--root=" << kSecret << "--root: no directory given";
    QTest::newRow("comet-takes-no-max-backlog") << comet << b + "--max-backlog 2097152" << kSecret << "max-backlog";
    QTest::newRow("static-takes-no-history") << Role::Static << "--root /x --history 5" << kSecret << "history";
}

void TestOptions::serverBad()
{
    QFETCH(Role, role);
    QFETCH(QString, line);
    QFETCH(QByteArray, secret);
    QFETCH(QString, error);

    // No default root here, so the static node's "no root" case is reachable.
    const ServerOptionsParse r = parseServerOptions(role, argv(QStringLiteral("duplex-x"), line), secret);
    QVERIFY2(r.status == ServerOptionsParse::Status::Error,
             qPrintable(QStringLiteral("status %1, text: %2").arg(int(r.status)).arg(r.text)));
    QVERIFY2(r.text.contains(error), qPrintable(QStringLiteral("'%1' does not mention '%2'").arg(r.text, error)));
    QVERIFY2(!r.text.contains(QLatin1Char('\n')), "the error is one line");
}

void TestOptions::serverHelp_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QStringList>("mentions");

    const QStringList common{"--help", "--host", "--port", "--admin-port", "--name", "READY"};
    QTest::newRow("broker") << Role::Broker << "--help"
                            << (common + QStringList{"--history", "--history-bytes", "--history-total", "--max-node-lag",
                                                     "64 MiB", "DUPLEX_SECRET"});
    QTest::newRow("ws") << Role::WebSocket << "--help"
                        << (common + QStringList{"--broker", "--buffer", "--buffer-bytes", "--buffer-total", "--max-message",
                                                 "--rate-limit", "--max-connections",
                                                 "--presence-limit", "--max-per-address", "--max-lag", "--max-backlog", "--max-outbound",
                                                 "DUPLEX_SECRET", "60 s without a broker"});
    QTest::newRow("ws-short") << Role::WebSocket << "-h" << (common + QStringList{"--broker"});
    QTest::newRow("static") << Role::Static << "--help" << (common + QStringList{"--root", "/default/web"});
    QTest::newRow("comet") << Role::Comet << "--help"
                           << (common + QStringList{"--broker", "--buffer", "--max-message", "--rate-limit", "--hold",
                                                    "--max-connections", "--presence-limit", "--new-sessions",
                                                    "/xhr/subscribe", "/xhr/publish", "DUPLEX_SECRET"});
}

void TestOptions::serverHelp()
{
    QFETCH(Role, role);
    QFETCH(QString, flag);
    QFETCH(QStringList, mentions);

    // Help wins over everything else, even a missing secret and --broker.
    const ServerOptionsParse r =
        parseServerOptions(role, {QStringLiteral("duplex-x"), flag}, QByteArray(), QStringLiteral("/default/web"));
    QVERIFY2(r.status == ServerOptionsParse::Status::Help, qPrintable(r.text));
    for (const QString &m : mentions)
        QVERIFY2(r.text.contains(m), qPrintable(QStringLiteral("help does not mention %1:\n%2").arg(m, r.text)));
    // Options of the other roles stay out of it.
    if (role != Role::WebSocket && role != Role::Comet)
        QVERIFY(!r.text.contains(QLatin1String("--broker")));
    if (role != Role::Comet)
        QVERIFY(!r.text.contains(QLatin1String("--hold")));
    if (role != Role::Broker)
        QVERIFY(!r.text.contains(QLatin1String("--history")));
    if (role != Role::Static)
        QVERIFY(!r.text.contains(QLatin1String("--root")));
}

void TestOptions::ctlGood_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("ws");
    QTest::addColumn<int>("comet");
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("restart");
    QTest::addColumn<CometBalance>("balance");
    QTest::addColumn<int>("history");
    QTest::addColumn<QString>("runtimeDir");
    QTest::addColumn<int>("hold");

    QTest::newRow("defaults") << "up" << 2 << 2 << 8080 << false << CometBalance::IpHash << 10000 << "" << 25;
    QTest::newRow("brief-example") << "up --ws 3 --comet 1 --port 0 --restart --comet-balance client --hold 5" << 3 << 1 << 0 << true
                                   << CometBalance::Client << 10000 << "" << 5;
    QTest::newRow("comet-only") << "up --ws 0 --comet 2 --comet-balance ip_hash" << 0 << 2 << 8080 << false
                                << CometBalance::IpHash << 10000 << "" << 25;
    QTest::newRow("limits") << "up --ws 64 --comet 64 --port 65535 --history 10000000" << 64 << 64 << 65535 << false
                            << CometBalance::IpHash << 10000000 << "" << 25;
    QTest::newRow("runtime-dir") << "up --runtime-dir /tmp/d --history 1 --comet 0" << 2 << 0 << 8080 << false << CometBalance::IpHash
                                 << 1 << "/tmp/d" << 25;
}

void TestOptions::ctlGood()
{
    QFETCH(QString, line);
    QFETCH(int, ws);
    QFETCH(int, comet);
    QFETCH(int, port);
    QFETCH(bool, restart);
    QFETCH(CometBalance, balance);
    QFETCH(int, history);
    QFETCH(QString, runtimeDir);
    QFETCH(int, hold);

    const CtlParse r = duplex::ctl::parseCtlOptions(argv(QStringLiteral("duplexctl"), line));
    QVERIFY2(r.status == CtlParse::Status::Ok, qPrintable(r.text));
    QCOMPARE(r.command, CtlParse::Command::Up);
    QCOMPARE(r.config.webSocketNodes, ws);
    QCOMPARE(r.config.cometNodes, comet);
    QCOMPARE(int(r.config.port), port);
    QCOMPARE(r.config.restart, restart);
    QCOMPARE(r.config.cometBalance, balance);
    QCOMPARE(r.config.history, history);
    QCOMPARE(r.config.runtimeDir, runtimeDir);
    QCOMPARE(r.config.cometHoldSeconds, hold);
}

void TestOptions::ctlServerOptions_data()
{
    // A command line as a list (a value may hold spaces), and what each role is passed;
    // empty lists: refused.
    QTest::addColumn<QStringList>("line");
    QTest::addColumn<QStringList>("broker");
    QTest::addColumn<QStringList>("ws");
    QTest::addColumn<QStringList>("comet");
    QTest::addColumn<QString>("error");

    QTest::newRow("none") << QStringList{"up"} << QStringList{} << QStringList{} << QStringList{} << "";
    QTest::newRow("one each")
        << QStringList{"up", "--broker-option=--max-channels=500", "--ws-option", "--max-lag=2", "--comet-option=--hold=5"}
        << QStringList{"--max-channels=500"} << QStringList{"--max-lag=2"} << QStringList{"--hold=5"} << "";
    QTest::newRow("repeated, a value with a space")
        << QStringList{"up", "--ws-option=--max-lag 2", "--ws-option=--presence-limit=0"} << QStringList{}
        << QStringList{"--max-lag", "2", "--presence-limit=0"} << QStringList{} << "";
    QTest::newRow("not an option") << QStringList{"up", "--ws-option=max-lag"} << QStringList{} << QStringList{}
                                   << QStringList{} << "--ws-option: expected a server option";
    QTest::newRow("empty") << QStringList{"up", "--broker-option="} << QStringList{} << QStringList{} << QStringList{}
                           << "--broker-option: expected a server option";
}

void TestOptions::ctlServerOptions()
{
    QFETCH(QStringList, line);
    QFETCH(QStringList, broker);
    QFETCH(QStringList, ws);
    QFETCH(QStringList, comet);
    QFETCH(QString, error);

    const CtlParse r = duplex::ctl::parseCtlOptions(QStringList{QStringLiteral("duplexctl")} + line);
    if (!error.isEmpty()) {
        QCOMPARE(r.status, CtlParse::Status::Error);
        QVERIFY2(r.text.startsWith(error), qPrintable(r.text));
        return;
    }
    QVERIFY2(r.status == CtlParse::Status::Ok, qPrintable(r.text));
    const auto passed = [&r](Role role) {
        const auto it = r.config.serverArguments.find(role);
        return it == r.config.serverArguments.end() ? QStringList() : it->second;
    };
    QCOMPARE(passed(Role::Broker), broker);
    QCOMPARE(passed(Role::WebSocket), ws);
    QCOMPARE(passed(Role::Comet), comet);
}

void TestOptions::ctlBad_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("error");

    QTest::newRow("no-command") << "" << "no command";
    QTest::newRow("unknown-command") << "down" << "down";
    QTest::newRow("option-before-command") << "--ws 3 up" << "--ws";
    QTest::newRow("no-nodes") << "up --ws 0 --comet 0" << "--ws";
    QTest::newRow("bad-balance") << "up --comet-balance nope" << "--comet-balance";
    QTest::newRow("ws-65") << "up --ws 65" << "--ws";
    QTest::newRow("ws-negative") << "up --ws -1" << "--ws";
    QTest::newRow("ws-text") << "up --ws many" << "--ws";
    QTest::newRow("comet-65") << "up --comet 65" << "--comet";
    QTest::newRow("hold-0") << "up --hold 0" << "--hold";
    QTest::newRow("hold-3601") << "up --hold 3601" << "--hold";
    QTest::newRow("hold-text") << "up --hold soon" << "--hold";
    QTest::newRow("port-70000") << "up --port 70000" << "--port";
    QTest::newRow("history-0") << "up --history 0" << "--history";
    QTest::newRow("unknown-option") << "up --bogus" << "bogus";
    QTest::newRow("positional") << "up extra" << "unexpected argument: extra";
    QTest::newRow("missing-value") << "up --ws" << "ws";
}

void TestOptions::ctlBad()
{
    QFETCH(QString, line);
    QFETCH(QString, error);

    const CtlParse r = duplex::ctl::parseCtlOptions(argv(QStringLiteral("duplexctl"), line));
    QVERIFY2(r.status == CtlParse::Status::Error, qPrintable(QStringLiteral("status %1, text: %2").arg(int(r.status)).arg(r.text)));
    QVERIFY2(r.text.contains(error), qPrintable(QStringLiteral("'%1' does not mention '%2'").arg(r.text, error)));
    QVERIFY2(!r.text.contains(QLatin1Char('\n')), "the error is one line");
}

void TestOptions::ctlHelp_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QStringList>("mentions");

    const QStringList overview{"duplexctl <command>", "up"};
    QTest::newRow("--help") << "--help" << overview;
    QTest::newRow("-h") << "-h" << overview;
    QTest::newRow("help") << "help" << overview;
    QTest::newRow("up --help") << "up --help"
                               << QStringList{"--help", "--ws", "--comet", "--port", "--restart", "--comet-balance",
                                              "ip_hash", "client", "--history", "--runtime-dir", "--web-root", "--nginx"};
    QTest::newRow("up --help with bad values") << "up --ws 0 --comet 0 --help" << QStringList{"--ws"};
}

void TestOptions::ctlHelp()
{
    QFETCH(QString, line);
    QFETCH(QStringList, mentions);

    const CtlParse r = duplex::ctl::parseCtlOptions(argv(QStringLiteral("duplexctl"), line));
    QVERIFY2(r.status == CtlParse::Status::Help, qPrintable(r.text));
    for (const QString &m : mentions)
        QVERIFY2(r.text.contains(m), qPrintable(QStringLiteral("help does not mention %1:\n%2").arg(m, r.text)));
}

QTEST_GUILESS_MAIN(TestOptions)
#include "tst_options.moc"
