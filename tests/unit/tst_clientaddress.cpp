// http::clientAddress: X-Real-IP believed from the cluster's nginx on loopback only, and
// every spelling of an address counted as one; loopback clients are not limited.
#include "http/clientaddress.h"

#include <QtTest>

using duplex::http::clientAddress;

class TestClientAddress : public QObject
{
    Q_OBJECT

private slots:
    void address_data();
    void address();
    void limited_data();
    void limited();
};

void TestClientAddress::address_data()
{
    QTest::addColumn<QString>("peer");
    QTest::addColumn<QByteArray>("realIp");
    QTest::addColumn<QString>("expected");

    QTest::newRow("nginx names the client") << "127.0.0.1" << QByteArray("203.0.113.7") << "203.0.113.7";
    QTest::newRow("nginx, IPv6 client") << "127.0.0.1" << QByteArray("2001:db8::1") << "2001:db8::1";
    QTest::newRow("IPv6 spelled long is one address")
        << "127.0.0.1" << QByteArray("2001:0db8:0000:0000:0000:0000:0000:0001") << "2001:db8::1";
    QTest::newRow("spaces around") << "127.0.0.1" << QByteArray(" 10.0.0.2 ") << "10.0.0.2";
    QTest::newRow("no header: the peer") << "127.0.0.1" << QByteArray() << "127.0.0.1";
    QTest::newRow("not an address: the peer") << "127.0.0.1" << QByteArray("evil, 1.2.3.4") << "127.0.0.1";
    QTest::newRow("not from loopback: the header is not believed")
        << "198.51.100.9" << QByteArray("127.0.0.1") << "198.51.100.9";
    QTest::newRow("IPv4 on an IPv6 socket") << "::ffff:198.51.100.9" << QByteArray() << "198.51.100.9";
    QTest::newRow("another loopback address") << "127.0.2.1" << QByteArray("192.0.2.5") << "192.0.2.5";
    QTest::newRow("nginx names an IPv4 client as IPv6-mapped") << "::1" << QByteArray("::ffff:192.0.2.5") << "192.0.2.5";
}

void TestClientAddress::address()
{
    QFETCH(QString, peer);
    QFETCH(QByteArray, realIp);
    QFETCH(QString, expected);
    QCOMPARE(clientAddress(QHostAddress(peer), realIp).toString(), expected);
}

void TestClientAddress::limited_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("limited");
    QTest::newRow("public IPv4") << "203.0.113.7" << true;
    QTest::newRow("private IPv4") << "10.0.0.2" << true;
    QTest::newRow("public IPv6") << "2001:db8::1" << true;
    QTest::newRow("loopback") << "127.0.0.1" << false;
    QTest::newRow("loopback, another") << "127.0.3.1" << false;
    QTest::newRow("loopback IPv6") << "::1" << false;
}

void TestClientAddress::limited()
{
    QFETCH(QString, address);
    QFETCH(bool, limited);
    QCOMPARE(duplex::http::isLimitedAddress(QHostAddress(address)), limited);
}

QTEST_GUILESS_MAIN(TestClientAddress)
#include "tst_clientaddress.moc"
