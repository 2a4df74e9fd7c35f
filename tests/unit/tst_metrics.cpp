// Unit tests of core/http/metrics.{h,cpp}: the Prometheus text page and its reader.

#include "metrics/metrics.h"

#include <QtTest>

using duplex::metrics::Metrics;

using ValueMap = QMap<QByteArray, double>;

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void renderRegistered();
    void readersAreLive();
    void processMetrics();
    void renderParseRoundTrip_data();
    void renderParseRoundTrip();
    void parse_data();
    void parse();
};

void TestMetrics::renderRegistered()
{
    Metrics m;
    m.add("duplex_connections", Metrics::Kind::Gauge, "Open client connections.", [] { return 3.0; });
    m.add("duplex_events_in_total", Metrics::Kind::Counter, "Events received from clients.", [] { return 42.0; });
    const QByteArray page = m.render();

    QVERIFY2(page.contains("# HELP duplex_connections Open client connections.\n"
                           "# TYPE duplex_connections gauge\n"
                           "duplex_connections 3\n"),
             page.constData());
    QVERIFY2(page.contains("# HELP duplex_events_in_total Events received from clients.\n"
                           "# TYPE duplex_events_in_total counter\n"
                           "duplex_events_in_total 42\n"),
             page.constData());
    // Registration order is kept, and the process's own values come after.
    QVERIFY(page.indexOf("duplex_connections") < page.indexOf("duplex_events_in_total"));
    QVERIFY(page.indexOf("duplex_events_in_total") < page.indexOf("process_resident_memory_bytes"));
    QVERIFY(page.startsWith("# HELP duplex_connections "));
    QVERIFY(page.endsWith('\n'));
    // Every sample line has its HELP and TYPE.
    for (const QByteArray &line : page.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QByteArray name = line.left(line.indexOf(' '));
        QVERIFY2(page.contains("# HELP " + name + ' '), line.constData());
        QVERIFY2(page.contains("# TYPE " + name + " counter\n") || page.contains("# TYPE " + name + " gauge\n"), line.constData());
    }
}

void TestMetrics::readersAreLive()
{
    Metrics m;
    double connections = 1;
    int calls = 0;
    m.add("duplex_connections", Metrics::Kind::Gauge, "Open.", [&] {
        ++calls;
        return connections;
    });
    QCOMPARE(calls, 0); // nothing is read at registration
    QCOMPARE(Metrics::parse(m.render()).value("duplex_connections", -1), 1.0);
    connections = 17;
    QCOMPARE(Metrics::parse(m.render()).value("duplex_connections", -1), 17.0);
    QCOMPARE(calls, 2);
}

void TestMetrics::processMetrics()
{
    const Metrics empty;
    const QByteArray page = empty.render();
    QVERIFY(page.contains("# HELP process_resident_memory_bytes "));
    QVERIFY(page.contains("# TYPE process_resident_memory_bytes gauge\n"));
    QVERIFY(page.contains("# TYPE process_cpu_seconds_total counter\n"));
    const ValueMap values = Metrics::parse(page);
    QVERIFY2(values.contains("process_resident_memory_bytes"), page.constData());
    const double rss = values.value("process_resident_memory_bytes");
    QVERIFY2(rss > 0, page.constData());
    // A Qt process is more than a page and less than a terabyte.
    QVERIFY2(rss >= 4096 && rss < 1e12, page.constData());
    QVERIFY(values.contains("process_cpu_seconds_total"));
    QVERIFY(values.value("process_cpu_seconds_total") >= 0);
}

void TestMetrics::renderParseRoundTrip_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<double>("value");

    QTest::newRow("zero") << QByteArray("duplex_zero") << 0.0;
    QTest::newRow("integer") << QByteArray("duplex_events_out_total") << 123456.0;
    QTest::newRow("large-integer") << QByteArray("duplex_bytes_out_total") << 1234567890123.0;
    QTest::newRow("fraction") << QByteArray("duplex_load") << 0.125;
    QTest::newRow("small") << QByteArray("duplex_small") << 1.5e-9;
    QTest::newRow("negative") << QByteArray("duplex_delta") << -7.25;
    QTest::newRow("label") << QByteArray("duplex_events_total{transport=\"ws\"}") << 9.0;
}

void TestMetrics::renderParseRoundTrip()
{
    QFETCH(QByteArray, name);
    QFETCH(double, value);

    Metrics m;
    m.add(name, Metrics::Kind::Counter, "A value.", [value] { return value; });
    m.add("duplex_other", Metrics::Kind::Gauge, "Another.", [] { return 2.0; });
    const QByteArray page = m.render();
    const ValueMap values = Metrics::parse(page);
    QVERIFY2(values.contains(name), page.constData());
    QCOMPARE(values.value(name), value);
    QCOMPARE(values.value("duplex_other"), 2.0);
    // Exactly the samples: the registered ones and the two process values.
    QCOMPARE(values.size(), 4);
}

void TestMetrics::parse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<ValueMap>("expected");

    QTest::newRow("empty") << QByteArray() << ValueMap();
    QTest::newRow("only-comments") << QByteArray("# HELP a An a.\n# TYPE a gauge\n#a 5\n") << ValueMap();
    QTest::newRow("plain") << QByteArray("a 1\nb 2.5\n") << ValueMap{{"a", 1}, {"b", 2.5}};
    QTest::newRow("no-final-newline") << QByteArray("a 1\nb 2") << ValueMap{{"a", 1}, {"b", 2}};
    QTest::newRow("crlf-and-blank-lines") << QByteArray("a 1\r\n\r\n\nb 2\r\n") << ValueMap{{"a", 1}, {"b", 2}};
    QTest::newRow("indented-comment") << QByteArray("   # c 9\na 3\n") << ValueMap{{"a", 3}};
    QTest::newRow("malformed-skipped")
        << QByteArray("garbage\n"
                      "a 1\n"
                      "b notanumber\n"
                      " 5\n"
                      "c\t\n"
                      "d 4\n")
        << ValueMap{{"a", 1}, {"d", 4}};
    QTest::newRow("labels-kept-in-name")
        << QByteArray("http_requests_total{code=\"200\",method=\"get\"} 7\nhttp_requests_total{code=\"500\"} 1\n")
        << ValueMap{{"http_requests_total{code=\"200\",method=\"get\"}", 7}, {"http_requests_total{code=\"500\"}", 1}};
    QTest::newRow("exponent") << QByteArray("a 1e+15\nb 2.5E-3\n") << ValueMap{{"a", 1e15}, {"b", 2.5e-3}};
    QTest::newRow("last-wins") << QByteArray("a 1\na 2\n") << ValueMap{{"a", 2}};
}

void TestMetrics::parse()
{
    QFETCH(QByteArray, text);
    QFETCH(ValueMap, expected);
    QCOMPARE(Metrics::parse(text), expected);
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
