// Unit tests of the incremental HTTP/1.x response parser: core/client/httpresponseparser.{h,cpp}.

#include "client/httpresponseparser.h"

#include <QtTest>

using namespace duplex::client;
using Status = HttpResponseParser::Result::Status;

Q_DECLARE_METATYPE(duplex::client::HttpResponseParser::Result::Status)

namespace {

QString statusName(Status status)
{
    switch (status) {
    case Status::NeedMore:
        return QStringLiteral("NeedMore");
    case Status::Complete:
        return QStringLiteral("Complete");
    case Status::Error:
        return QStringLiteral("Error");
    }
    return {};
}

// Feeds `pieces` in order and collects every response completed on the way, calling next()
// after each completion as a connection would; stops at the first error.
struct Collected
{
    QList<HttpResponse> responses;
    QString error;
};

Collected collect(HttpResponseParser &parser, const QList<QByteArray> &pieces)
{
    Collected collected;
    for (const QByteArray &piece : pieces) {
        HttpResponseParser::Result result = parser.feed(piece);
        while (result.status == Status::Complete) {
            collected.responses.append(result.response);
            result = parser.next();
        }
        if (result.status == Status::Error) {
            collected.error = result.error;
            return collected;
        }
    }
    return collected;
}

QList<QByteArray> bytewise(const QByteArray &wire)
{
    QList<QByteArray> pieces;
    for (char c : wire)
        pieces.append(QByteArray(1, c));
    return pieces;
}

const QByteArray kChunked = QByteArrayLiteral(
    "HTTP/1.1 200 OK\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "4;name=value\r\nWiki\r\n"
    "5 ; quoted=\"a;b\"\r\npedia\r\n"
    "e\r\n in\r\n\r\nchunks.\r\n"
    "0;last\r\n"
    "X-Trailer: yes\r\n"
    "X-Checksum: 1234\r\n"
    "\r\n");

} // namespace

class TestHttpResponseParser : public QObject
{
    Q_OBJECT

private slots:
    void completeResponse_data();
    void completeResponse();
    void backToBack();
    void backToBackSplit();
    void interimResponse();
    void closeDelimited_data();
    void closeDelimited();
    void finishWithoutResponse();
    void finishMidResponse();
    void errors_data();
    void errors();
    void errorIsSticky();
};

void TestHttpResponseParser::completeResponse_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<bool>("headRequest");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("headerName");
    QTest::addColumn<QByteArray>("headerValue");
    QTest::addColumn<bool>("keepAlive");

    QTest::newRow("content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n[1,2,3]")
        << false << 200 << QByteArray("[1,2,3]") << QByteArray("content-type") << QByteArray("application/json")
        << true;
    QTest::newRow("content-length 0")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false << 200 << QByteArray()
        << QByteArray("Content-Length") << QByteArray("0") << true;
    QTest::newRow("repeated equal content-length")
        << QByteArray("HTTP/1.1 201 Created\r\nContent-Length: 2\r\ncontent-length: 2, 2\r\n\r\nok") << false << 201
        << QByteArray("ok") << QByteArray("CONTENT-LENGTH") << QByteArray("2") << true;
    QTest::newRow("chunked with extensions and trailers")
        << kChunked << false << 200 << QByteArray("Wikipedia in\r\n\r\nchunks.") << QByteArray("x-trailer")
        << QByteArray("yes") << true;
    QTest::newRow("chunked upper-case hex, no trailers")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n")
        << false << 200 << QByteArray("abcdefghijklmnopqrstuvwxyz") << QByteArray("transfer-encoding")
        << QByteArray("Chunked") << true;
    QTest::newRow("chunked wins over content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")
        << false << 200 << QByteArray("hi") << QByteArray() << QByteArray() << true;
    QTest::newRow("204 with content-length has no body")
        << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n") << false << 204 << QByteArray()
        << QByteArray() << QByteArray() << true;
    QTest::newRow("304 has no body")
        << QByteArray("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n") << false << 304
        << QByteArray() << QByteArray("etag") << QByteArray("\"x\"") << true;
    QTest::newRow("HEAD with content-length has no body")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n") << true << 200 << QByteArray()
        << QByteArray("content-length") << QByteArray("1000") << true;
    QTest::newRow("HEAD with chunked has no body")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") << true << 200 << QByteArray()
        << QByteArray() << QByteArray() << true;
    QTest::newRow("connection close")
        << QByteArray("HTTP/1.1 400 Bad Request\r\nConnection: Close\r\nContent-Length: 5\r\n\r\nerror") << false
        << 400 << QByteArray("error") << QByteArray("connection") << QByteArray("Close") << false;
    QTest::newRow("HTTP/1.0 closes by default")
        << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx") << false << 200 << QByteArray("x")
        << QByteArray() << QByteArray() << false;
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx") << false << 200
        << QByteArray("x") << QByteArray() << QByteArray() << true;
    QTest::newRow("bare LF line ends")
        << QByteArray("HTTP/1.1 200 OK\nContent-Length: 3\nX-A:  spaced  \n\nabc") << false << 200 << QByteArray("abc")
        << QByteArray("x-a") << QByteArray("spaced") << true;
    QTest::newRow("status line without reason")
        << QByteArray("HTTP/1.1 502\r\nContent-Length: 2\r\n\r\nbg") << false << 502 << QByteArray("bg") << QByteArray()
        << QByteArray() << true;
    QTest::newRow("folded header")
        << QByteArray("HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\nContent-Length: 0\r\n\r\n") << false << 200
        << QByteArray() << QByteArray("x-long") << QByteArray("one two") << true;
}

// Each response is fed whole, split in two at every byte position, and one byte at a time:
// the result must never depend on how the bytes arrived.
void TestHttpResponseParser::completeResponse()
{
    QFETCH(QByteArray, wire);
    QFETCH(bool, headRequest);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, headerName);
    QFETCH(QByteArray, headerValue);
    QFETCH(bool, keepAlive);

    auto check = [&](const HttpResponse &response, const QString &how) {
        const QByteArray where = how.toUtf8();
        QVERIFY2(response.status == status, where);
        QVERIFY2(response.body == body, where + ": body " + response.body);
        if (!headerName.isEmpty())
            QVERIFY2(response.header(headerName) == headerValue, where + ": header " + response.header(headerName));
        QVERIFY2(response.keepAlive() == keepAlive, where);
    };

    for (qsizetype split = 0; split <= wire.size(); ++split) {
        HttpResponseParser parser;
        parser.setHeadRequest(headRequest);
        const HttpResponseParser::Result first = parser.feed(wire.left(split));
        if (split < wire.size()) {
            QVERIFY2(first.status == Status::NeedMore,
                     qPrintable(QStringLiteral("split %1: %2 %3").arg(split).arg(statusName(first.status), first.error)));
            const HttpResponseParser::Result second = parser.feed(wire.mid(split));
            QVERIFY2(second.status == Status::Complete,
                     qPrintable(QStringLiteral("split %1: %2 %3").arg(split).arg(statusName(second.status), second.error)));
            check(second.response, QStringLiteral("split %1").arg(split));
        } else {
            QVERIFY2(first.status == Status::Complete, qPrintable(first.error));
            check(first.response, QStringLiteral("whole"));
        }
        QVERIFY(parser.isIdle());
        QCOMPARE(parser.next().status, Status::NeedMore);
    }

    HttpResponseParser parser;
    parser.setHeadRequest(headRequest);
    const Collected collected = collect(parser, bytewise(wire));
    QVERIFY2(collected.error.isEmpty(), qPrintable(collected.error));
    QCOMPARE(collected.responses.size(), 1);
    check(collected.responses.constFirst(), QStringLiteral("byte by byte"));
}

void TestHttpResponseParser::backToBack()
{
    const QByteArray wire = QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst") + kChunked
        + "HTTP/1.1 204 No Content\r\n\r\n" + "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nla";
    HttpResponseParser parser;
    HttpResponseParser::Result r = parser.feed(wire);
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.response.body, QByteArray("first"));
    QVERIFY(!parser.isIdle());

    r = parser.next();
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.response.body, QByteArray("Wikipedia in\r\n\r\nchunks."));

    // feed() with nothing new is the same as next().
    r = parser.feed(QByteArray());
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.response.status, 204);

    r = parser.next();
    QCOMPARE(r.status, Status::NeedMore);
    r = parser.feed("st");
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.response.status, 404);
    QCOMPARE(r.response.body, QByteArray("last"));
    QVERIFY(parser.isIdle());
}

void TestHttpResponseParser::backToBackSplit()
{
    const QByteArray wire = kChunked + QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc") + kChunked;
    for (qsizetype split = 0; split <= wire.size(); ++split) {
        HttpResponseParser parser;
        const Collected collected = collect(parser, {wire.left(split), wire.mid(split)});
        QVERIFY2(collected.error.isEmpty(), qPrintable(collected.error));
        QVERIFY2(collected.responses.size() == 3, qPrintable(QStringLiteral("split %1").arg(split)));
        QCOMPARE(collected.responses.at(1).body, QByteArray("abc"));
        QCOMPARE(collected.responses.at(2).header("x-checksum"), QByteArray("1234"));
    }
}

void TestHttpResponseParser::interimResponse()
{
    HttpResponseParser parser;
    HttpResponseParser::Result r =
        parser.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.response.status, 100);
    r = parser.next();
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.response.status, 200);
    QCOMPARE(r.response.body, QByteArray("ok"));
}

void TestHttpResponseParser::closeDelimited_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("no length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\n\r\n");
    QTest::newRow("transfer-encoding not ending in chunked")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 3\r\n\r\n");
}

void TestHttpResponseParser::closeDelimited()
{
    QFETCH(QByteArray, head);
    HttpResponseParser parser;
    QCOMPARE(parser.feed(head + "hello").status, Status::NeedMore);
    QCOMPARE(parser.feed(" world").status, Status::NeedMore);
    const HttpResponseParser::Result r = parser.finish();
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.response.status, 200);
    QCOMPARE(r.response.body, QByteArray("hello world"));
    QVERIFY(parser.isIdle());
}

void TestHttpResponseParser::finishWithoutResponse()
{
    HttpResponseParser parser;
    QCOMPARE(parser.finish().status, Status::NeedMore);
    QCOMPARE(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx").status, Status::Complete);
    QCOMPARE(parser.finish().status, Status::NeedMore);
}

void TestHttpResponseParser::finishMidResponse()
{
    const QList<QByteArray> partials = {
        "HTTP/1.1 2",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n",
    };
    for (const QByteArray &partial : partials) {
        HttpResponseParser parser;
        QCOMPARE(parser.feed(partial).status, Status::NeedMore);
        const HttpResponseParser::Result r = parser.finish();
        QVERIFY2(r.status == Status::Error, partial);
        QVERIFY2(r.error.contains(QStringLiteral("closed")), qPrintable(r.error));
        QVERIFY(parser.isIdle());
    }
}

void TestHttpResponseParser::errors_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<qint64>("maxBody");
    QTest::addColumn<QString>("error");

    const qint64 dflt = HttpResponseParser::kDefaultMaxBodyBytes;
    QTest::newRow("not HTTP") << QByteArray("FOO 200 OK\r\n") << dflt << QStringLiteral("bad status line");
    QTest::newRow("HTML instead of a response") << QByteArray("<html>\r\n\r\n") << dflt << QStringLiteral("bad status line");
    QTest::newRow("status not a number")
        << QByteArray("HTTP/1.1 abc OK\r\n\r\n") << dflt << QStringLiteral("bad status line");
    QTest::newRow("two-digit status") << QByteArray("HTTP/1.1 20 OK\r\n\r\n") << dflt << QStringLiteral("bad status line");
    QTest::newRow("HTTP/2 text") << QByteArray("HTTP/2 200 OK\r\n\r\n") << dflt << QStringLiteral("bad status line");
    QTest::newRow("no space after version")
        << QByteArray("HTTP/1.1200 OK\r\n\r\n") << dflt << QStringLiteral("bad status line");
    QTest::newRow("header without colon")
        << QByteArray("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n") << dflt << QStringLiteral("bad header line");
    QTest::newRow("space before colon")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc") << dflt << QStringLiteral("bad header line");
    QTest::newRow("negative content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n") << dflt << QStringLiteral("bad Content-Length");
    QTest::newRow("garbage content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n") << dflt << QStringLiteral("bad Content-Length");
    QTest::newRow("empty content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n") << dflt << QStringLiteral("bad Content-Length");
    QTest::newRow("content-length overflow")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n") << dflt
        << QStringLiteral("bad Content-Length");
    QTest::newRow("conflicting content-lengths")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") << dflt
        << QStringLiteral("bad Content-Length");
    QTest::newRow("bad chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n") << dflt
        << QStringLiteral("bad chunk size");
    QTest::newRow("negative chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n") << dflt << QStringLiteral("bad chunk size");
    QTest::newRow("empty chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n") << dflt << QStringLiteral("bad chunk size");
    QTest::newRow("chunk size overflow")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n") << dflt
        << QStringLiteral("bad chunk size");
    QTest::newRow("chunk without CR LF")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n") << dflt
        << QStringLiteral("CR LF");
    QTest::newRow("chunk size line too long")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;") + QByteArray(5000, 'x') << dflt
        << QStringLiteral("chunk size line");
    QTest::newRow("header block too large")
        << QByteArray("HTTP/1.1 200 OK\r\nX-Big: ") + QByteArray(70 * 1024, 'a') + "\r\n\r\n" << dflt
        << QStringLiteral("header block larger than 65536 bytes");
    QTest::newRow("many headers too large")
        << QByteArray("HTTP/1.1 200 OK\r\n") + QByteArray("X-Some-Header: some value here\r\n").repeated(3000) << dflt
        << QStringLiteral("header block larger than 65536 bytes");
    QTest::newRow("status line too long")
        << QByteArray("HTTP/1.1 200 ") + QByteArray(70 * 1024, 'k') << dflt
        << QStringLiteral("header block larger than 65536 bytes");
    QTest::newRow("trailers too large")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ") + QByteArray(70 * 1024, 't')
        << dflt << QStringLiteral("header block larger than 65536 bytes");
    QTest::newRow("content-length over limit")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n") << qint64(10)
        << QStringLiteral("body of 11 bytes larger than the limit of 10 bytes");
    QTest::newRow("default limit")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 67108865\r\n\r\n") << dflt
        << QStringLiteral("larger than the limit of 67108864 bytes");
    QTest::newRow("chunks over limit")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n")
        << qint64(10) << QStringLiteral("larger than the limit of 10 bytes");
    QTest::newRow("close-delimited over limit")
        << QByteArray("HTTP/1.1 200 OK\r\n\r\n0123456789abcdef") << qint64(10)
        << QStringLiteral("larger than the limit of 10 bytes");
}

// Errors are found whether the bytes come whole or one at a time, and nothing completes.
void TestHttpResponseParser::errors()
{
    QFETCH(QByteArray, wire);
    QFETCH(qint64, maxBody);
    QFETCH(QString, error);

    HttpResponseParser whole(maxBody);
    const HttpResponseParser::Result r = whole.feed(wire);
    QVERIFY2(r.status == Status::Error, qPrintable(statusName(r.status)));
    QVERIFY2(r.error.contains(error), qPrintable(r.error));

    // Byte by byte only where it stays cheap; big rows are covered whole.
    if (wire.size() <= 4096) {
        HttpResponseParser bytes(maxBody);
        const Collected collected = collect(bytes, bytewise(wire));
        QVERIFY(collected.responses.isEmpty());
        QVERIFY2(collected.error.contains(error), qPrintable(collected.error));
    }
}

void TestHttpResponseParser::errorIsSticky()
{
    HttpResponseParser parser;
    QCOMPARE(parser.feed("HTTP/1.1 xyz\r\n").status, Status::Error);
    const HttpResponseParser::Result again = parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    QCOMPARE(again.status, Status::Error);
    QVERIFY(again.error.contains(QStringLiteral("bad status line")));

    parser.reset();
    QCOMPARE(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").status, Status::Complete);
}

QTEST_GUILESS_MAIN(TestHttpResponseParser)
#include "tst_httpresponseparser.moc"
