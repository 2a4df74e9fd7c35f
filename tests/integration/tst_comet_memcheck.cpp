// The Comet node under valgrind while clients walk away from held polls.
//
// In Qt 6.4 a responder written after its client left touches a deleted socket; the
// node guards every parked responder against that. A crash would show without valgrind
// only by luck, so this test runs the real node binary under memcheck and fails on any
// invalid read or write, through aborts before, during and right after an answer,
// hold timeouts, and publishes racing with disconnects.
#include "httpcall.h"
#include "protocol/codec.h"
#include "serverprocess.h"

#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

class TestCometMemcheck final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void abortsTimeoutsAndRacesAreClean();

private:
    ServerProcess m_broker;
    ServerProcess m_node;
};

void TestCometMemcheck::initTestCase()
{
    const QString valgrind = QStandardPaths::findExecutable(QStringLiteral("valgrind"));
    QVERIFY2(!valgrind.isEmpty(), "valgrind is not installed (scripts/setup.sh installs it)");
    const QProcessEnvironment env = clusterEnvironment("memcheck-secret");
    QVERIFY2(m_broker.start(QStringLiteral("duplex-broker"), {}, env), qPrintable(m_broker.output()));
    // Memcheck slows start-up tenfold: a generous READY timeout.
    QVERIFY2(m_node.startUnder({valgrind, QStringLiteral("--error-exitcode=99"), QStringLiteral("--leak-check=no"),
                                QStringLiteral("--track-origins=no")},
                               QStringLiteral("duplex-comet-node"),
                               {QStringLiteral("--broker"), QStringLiteral("127.0.0.1:%1").arg(m_broker.port()),
                                QStringLiteral("--hold"), QStringLiteral("1"), QStringLiteral("--name"), QStringLiteral("comet-mc")},
                               env, 60000),
             qPrintable(m_node.output()));
}

void TestCometMemcheck::cleanupTestCase()
{
    m_node.kill();
    m_broker.kill();
}

void TestCometMemcheck::abortsTimeoutsAndRacesAreClean()
{
    const quint16 port = m_node.port();
    const QByteArray publish = "/xhr/publish?channel=mc&clientId=publisher";
    QCOMPARE(httpCall(port, "POST", publish, "{\"data\":0}", {}, 30000).status, 200);

    constexpr int kRounds = 40;
    for (int round = 0; round < kRounds; ++round) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(socket.waitForConnected(10000));
        // Even rounds wait at the head (parked); odd rounds ask from 0 (answered at once,
        // possibly to a client already gone).
        const QByteArray since = round % 2 ? "0" : "999999";
        socket.write("GET /xhr/subscribe?channel=mc&clientId=gone" + QByteArray::number(round % 7) + "&since=" + since +
                     " HTTP/1.1\r\nHost: x\r\n\r\n");
        socket.flush();
        QTest::qWait(round % 3 * 15);
        QTcpSocket publisher;
        if (round % 4 == 0) {
            // An event is sequenced while the poll's client is leaving, and the publisher
            // leaves before its own answer: both answers must find their client gone
            // rather than write to a deleted socket.
            const QByteArray body = "{\"data\":" + QByteArray::number(round) + '}';
            publisher.connectToHost(QHostAddress::LocalHost, port);
            QVERIFY(publisher.waitForConnected(10000));
            publisher.write("POST " + publish + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                            QByteArray::number(body.size()) + "\r\n\r\n" + body);
            publisher.flush();
            QTest::qWait(round % 8 ? 0 : 20);
        }
        socket.abort();
        publisher.abort();
    }
    // Polls that reach their hold time with nobody listening, and one that is answered [].
    for (int i = 0; i < 5; ++i) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(socket.waitForConnected(10000));
        socket.write("GET /xhr/subscribe?channel=mc&clientId=late" + QByteArray::number(i) +
                     "&since=999999 HTTP/1.1\r\nHost: x\r\n\r\n");
        socket.flush();
        QTest::qWait(i % 2 ? 1500 : 100);
        socket.abort();
    }
    const duplex::client::HttpResult held =
        httpCall(port, "GET", "/xhr/subscribe?channel=mc&clientId=waiter&since=999999", {}, {}, 30000);
    QCOMPARE(held.status, 200);
    QCOMPARE(held.body, QByteArray("[]"));

    // Still serving after all that.
    const duplex::client::HttpResult last = httpCall(port, "POST", publish, "{\"data\":\"last\"}", {}, 30000);
    QCOMPARE(last.status, 200);

    // A clean exit on SIGTERM; memcheck turns any invalid access into exit code 99.
    QVERIFY2(m_node.terminate(60000), qPrintable(m_node.output()));
    const QString output = m_node.output();
    QVERIFY2(!output.contains(QLatin1String("Invalid read")) && !output.contains(QLatin1String("Invalid write")),
             qPrintable(output));
    QVERIFY2(m_node.process().exitStatus() == QProcess::NormalExit && m_node.process().exitCode() == 0,
             qPrintable(QStringLiteral("exit code %1\n%2").arg(m_node.process().exitCode()).arg(output)));
}

QTEST_GUILESS_MAIN(TestCometMemcheck)
#include "tst_comet_memcheck.moc"
