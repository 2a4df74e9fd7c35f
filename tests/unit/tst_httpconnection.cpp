// Unit tests of the keep-alive HTTP/1.1 client connection: core/client/httpconnection.{h,cpp},
// against an in-test QTcpServer on loopback that answers canned HTTP.

#include "client/httpconnection.h"

#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <memory>

using namespace duplex::client;

namespace {

struct ReceivedRequest
{
    QByteArray method;
    QByteArray target;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QHostAddress peer;
    int connection = 0;      // index of the accepted socket, from 0
    int onConnection = 0;    // index of the request on that socket, from 0

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

// A loopback HTTP server whose answers the test chooses: enough HTTP/1.1 to read requests
// with or without a body and answer them in a few deliberately awkward ways.
class CannedServer final : public QObject
{
public:
    enum class Mode {
        Answer,                    // 200 with Content-Length, connection kept
        AnswerChunked,             // 200 chunked, connection kept
        AnswerThenClose,           // 200 without Connection: close, then the server closes
        AnswerConnectionClose,     // 200 with Connection: close, connection left open
        AnswerLater,               // 200 after a short delay, to catch pipelining
        CloseSecondOnConnection,   // answers the first request on a socket, closes at the second
        CloseWithoutAnswer,        // closes at every request
        Silent,                    // reads and never answers
    };

    explicit CannedServer(Mode mode)
        : m_mode(mode)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &CannedServer::handleNewConnection);
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

    QList<ReceivedRequest> requests;
    int accepted = 0;
    int closedByClient = 0;
    bool pipelined = false; // a request arrived while an earlier one was unanswered

private:
    struct Peer
    {
        QPointer<QTcpSocket> socket;
        QByteArray buffer;
        int index = 0;
        int requests = 0;
        bool answering = false;
        bool closedByUs = false;
    };

    void handleNewConnection()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            auto peer = std::make_shared<Peer>();
            peer->socket = socket;
            peer->index = accepted++;
            connect(socket, &QTcpSocket::readyRead, this, [this, peer] { handleReadyRead(peer); });
            connect(socket, &QTcpSocket::disconnected, this, [this, peer] {
                if (!peer->closedByUs)
                    ++closedByClient;
                peer->socket->deleteLater();
            });
        }
    }

    void handleReadyRead(const std::shared_ptr<Peer> &peer)
    {
        peer->buffer += peer->socket->readAll();
        for (;;) {
            const int headEnd = peer->buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            ReceivedRequest request;
            const QList<QByteArray> lines = peer->buffer.left(headEnd).split('\n');
            const QList<QByteArray> requestLine = lines.constFirst().trimmed().split(' ');
            request.method = requestLine.value(0);
            request.target = requestLine.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const int colon = lines.at(i).indexOf(':');
                request.headers.append({lines.at(i).left(colon), lines.at(i).mid(colon + 1).trimmed()});
            }
            const int length = request.header("content-length").toInt();
            if (peer->buffer.size() < headEnd + 4 + length)
                return;
            request.body = peer->buffer.mid(headEnd + 4, length);
            peer->buffer.remove(0, headEnd + 4 + length);
            request.peer = peer->socket->peerAddress();
            request.connection = peer->index;
            request.onConnection = peer->requests++;
            if (peer->answering)
                pipelined = true;
            requests.append(request);
            handleRequest(peer, requests.size() - 1);
        }
    }

    void handleRequest(const std::shared_ptr<Peer> &peer, int index)
    {
        const ReceivedRequest &request = requests.at(index);
        const QByteArray body = "reply " + QByteArray::number(index) + ' ' + request.target;
        const QByteArray plain = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        switch (m_mode) {
        case Mode::Answer:
            peer->socket->write(plain);
            break;
        case Mode::AnswerChunked:
            peer->socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n\r\n");
            break;
        case Mode::AnswerThenClose:
            peer->socket->write(plain);
            close(peer);
            break;
        case Mode::AnswerConnectionClose:
            peer->socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: "
                                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            break;
        case Mode::AnswerLater:
            peer->answering = true;
            QTimer::singleShot(20, this, [peer, plain] {
                peer->answering = false;
                if (peer->socket)
                    peer->socket->write(plain);
            });
            break;
        case Mode::CloseSecondOnConnection:
            if (request.onConnection == 0)
                peer->socket->write(plain);
            else
                close(peer);
            break;
        case Mode::CloseWithoutAnswer:
            close(peer);
            break;
        case Mode::Silent:
            break;
        }
    }

    void close(const std::shared_ptr<Peer> &peer)
    {
        peer->closedByUs = true;
        peer->socket->disconnectFromHost();
    }

    Mode m_mode;
    QTcpServer m_server;
};

// Collects the answers of one connection's requests in the order the callbacks ran.
struct Answers
{
    QList<HttpResult> results;
    QList<int> order;

    HttpConnection::Callback callback(int id)
    {
        return [this, id](const HttpResult &result) {
            results.append(result);
            order.append(id);
        };
    }
};

} // namespace

Q_DECLARE_METATYPE(CannedServer::Mode)

class TestHttpConnection : public QObject
{
    Q_OBJECT

private slots:
    void keepAliveReuse_data();
    void keepAliveReuse();
    void requestHeadersAndBody();
    void serverClosesBetweenRequests();
    void keepAliveRaceIsRetriedOnce();
    void freshConnectionCloseIsNotRetried();
    void connectionCloseHonoured();
    void timeout();
    void sourceAddress();
    void fifoQueue();
    void abortFailsPending();
    void callbackMayDeleteConnection();
    void connectionRefused();
    void getOnce_data();
    void getOnce();
    void getOnceCancelledWithItsContext();
};

void TestHttpConnection::keepAliveReuse_data()
{
    QTest::addColumn<CannedServer::Mode>("mode");
    QTest::newRow("content-length") << CannedServer::Mode::Answer;
    QTest::newRow("chunked") << CannedServer::Mode::AnswerChunked;
}

void TestHttpConnection::keepAliveReuse()
{
    QFETCH(CannedServer::Mode, mode);
    CannedServer server(mode);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("GET", "/one", {}, {}, 5000, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    QCOMPARE(answers.results.at(0).status, 200);
    QCOMPARE(answers.results.at(0).body, QByteArray("reply 0 /one"));

    connection.request("GET", "/two", {}, {}, 5000, answers.callback(2));
    QTRY_COMPARE(answers.results.size(), 2);
    QCOMPARE(answers.results.at(1).status, 200);
    QCOMPARE(answers.results.at(1).body, QByteArray("reply 1 /two"));

    QCOMPARE(server.accepted, 1);
    QCOMPARE(connection.connectionsOpened(), 1);
    QCOMPARE(server.requests.at(1).connection, 0);
    QCOMPARE(server.closedByClient, 0);
}

void TestHttpConnection::requestHeadersAndBody()
{
    CannedServer server(CannedServer::Mode::Answer);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("POST", "/xhr/publish?channel=main&clientId=a%20b", R"({"data":"hé"})", "application/json",
                       5000, answers.callback(1));
    connection.request("POST", "/empty", {}, {}, 5000, answers.callback(2));
    QTRY_COMPARE(answers.results.size(), 2);

    const ReceivedRequest &post = server.requests.at(0);
    QCOMPARE(post.method, QByteArray("POST"));
    QCOMPARE(post.target, QByteArray("/xhr/publish?channel=main&clientId=a%20b"));
    QCOMPARE(post.header("host"), QByteArray("127.0.0.1:") + QByteArray::number(server.port()));
    QCOMPARE(post.header("connection"), QByteArray("keep-alive"));
    QCOMPARE(post.header("content-type"), QByteArray("application/json"));
    QCOMPARE(post.header("content-length"), QByteArray::number(QByteArray(R"({"data":"hé"})").size()));
    QCOMPARE(post.body, QByteArray(R"({"data":"hé"})"));
    // An empty POST still says so, or the server would wait for a body.
    QCOMPARE(server.requests.at(1).header("content-length"), QByteArray("0"));
    QCOMPARE(answers.results.at(1).status, 200);
}

void TestHttpConnection::serverClosesBetweenRequests()
{
    CannedServer server(CannedServer::Mode::AnswerThenClose);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("GET", "/one", {}, {}, 5000, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    QCOMPARE(answers.results.at(0).status, 200);

    connection.request("GET", "/two", {}, {}, 5000, answers.callback(2));
    QTRY_COMPARE(answers.results.size(), 2);
    QCOMPARE(answers.results.at(1).status, 200);
    QCOMPARE(answers.results.at(1).body, QByteArray("reply 1 /two"));
    QCOMPARE(server.accepted, 2);
    QCOMPARE(server.requests.size(), 2);
}

// The server takes the second request on a kept-alive socket and closes without a byte:
// the request goes again, once, on a fresh connection.
void TestHttpConnection::keepAliveRaceIsRetriedOnce()
{
    CannedServer server(CannedServer::Mode::CloseSecondOnConnection);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("GET", "/one", {}, {}, 5000, answers.callback(1));
    connection.request("GET", "/two", {}, {}, 5000, answers.callback(2));
    QTRY_COMPARE(answers.results.size(), 2);
    QCOMPARE(answers.results.at(0).status, 200);
    QCOMPARE(answers.results.at(1).status, 200);
    QCOMPARE(answers.results.at(1).body, QByteArray("reply 2 /two"));
    QCOMPARE(server.requests.size(), 3); // /one, /two refused, /two again
    QCOMPARE(server.requests.at(2).connection, 1);
    QCOMPARE(server.accepted, 2);
}

void TestHttpConnection::freshConnectionCloseIsNotRetried()
{
    CannedServer server(CannedServer::Mode::CloseWithoutAnswer);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("GET", "/one", {}, {}, 5000, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    QCOMPARE(answers.results.at(0).status, 0);
    QVERIFY2(answers.results.at(0).error.contains(QStringLiteral("closed")), qPrintable(answers.results.at(0).error));
    QCOMPARE(server.requests.size(), 1);
    QCOMPARE(server.accepted, 1);
}

void TestHttpConnection::connectionCloseHonoured()
{
    CannedServer server(CannedServer::Mode::AnswerConnectionClose);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("GET", "/one", {}, {}, 5000, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    // The server left its end open; the client must close it and not reuse it.
    QTRY_COMPARE(server.closedByClient, 1);
    connection.request("GET", "/two", {}, {}, 5000, answers.callback(2));
    QTRY_COMPARE(answers.results.size(), 2);
    QCOMPARE(answers.results.at(1).status, 200);
    QCOMPARE(server.accepted, 2);
}

void TestHttpConnection::timeout()
{
    CannedServer server(CannedServer::Mode::Silent);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("GET", "/held", {}, {}, 200, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    QCOMPARE(answers.results.at(0).status, 0);
    QCOMPARE(answers.results.at(0).error, QStringLiteral("timed out after 200 ms"));
    QCOMPARE(server.requests.size(), 1);
    // The connection is dropped, so a late answer cannot be taken for the next request's.
    QTRY_COMPARE(server.closedByClient, 1);
    QCOMPARE(connection.pendingRequests(), 0);
}

void TestHttpConnection::sourceAddress()
{
    CannedServer server(CannedServer::Mode::Answer);
    QVERIFY(server.listen());
    const QHostAddress source(QStringLiteral("127.0.2.1"));
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port(), source);
    Answers answers;

    connection.request("GET", "/from", {}, {}, 5000, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    QCOMPARE(answers.results.at(0).status, 200);
    QCOMPARE(server.requests.at(0).peer, source);
    QCOMPARE(connection.localAddress(), source);
}

void TestHttpConnection::fifoQueue()
{
    CannedServer server(CannedServer::Mode::AnswerLater);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    connection.request("GET", "/1", {}, {}, 5000, answers.callback(1));
    connection.request("POST", "/2", "two", "text/plain", 5000, answers.callback(2));
    connection.request("GET", "/3", {}, {}, 5000, answers.callback(3));
    QCOMPARE(connection.pendingRequests(), 3);
    QTRY_COMPARE(answers.results.size(), 3);

    QCOMPARE(answers.order, (QList<int>{1, 2, 3}));
    QCOMPARE(answers.results.at(0).body, QByteArray("reply 0 /1"));
    QCOMPARE(answers.results.at(1).body, QByteArray("reply 1 /2"));
    QCOMPARE(answers.results.at(2).body, QByteArray("reply 2 /3"));
    QVERIFY2(!server.pipelined, "a request was sent before the previous one was answered");
    QCOMPARE(server.accepted, 1);
    QCOMPARE(connection.pendingRequests(), 0);
}

void TestHttpConnection::abortFailsPending()
{
    CannedServer server(CannedServer::Mode::Silent);
    QVERIFY(server.listen());
    HttpConnection connection(QStringLiteral("127.0.0.1"), server.port());
    Answers answers;

    for (int id = 1; id <= 3; ++id)
        connection.request("GET", "/" + QByteArray::number(id), {}, {}, 5000, answers.callback(id));
    QTRY_COMPARE(server.requests.size(), 1);

    connection.abort();
    // Never from inside abort() itself.
    QCOMPARE(answers.results.size(), 0);
    QCOMPARE(connection.pendingRequests(), 0);
    QTRY_COMPARE(answers.results.size(), 3);
    QCOMPARE(answers.order, (QList<int>{1, 2, 3}));
    for (const HttpResult &result : std::as_const(answers.results)) {
        QCOMPARE(result.status, 0);
        QCOMPARE(result.error, QStringLiteral("aborted"));
    }
    QTRY_COMPARE(server.closedByClient, 1);
    QCOMPARE(server.requests.size(), 1);

    // The connection is usable again afterwards.
    connection.request("GET", "/after", {}, {}, 5000, answers.callback(4));
    QTRY_COMPARE(server.requests.size(), 2);
    QCOMPARE(server.requests.at(1).target, QByteArray("/after"));
}

void TestHttpConnection::callbackMayDeleteConnection()
{
    CannedServer server(CannedServer::Mode::Answer);
    QVERIFY(server.listen());
    auto connection = std::make_unique<HttpConnection>(QStringLiteral("127.0.0.1"), server.port());
    int called = 0;
    connection->request("GET", "/one", {}, {}, 5000, [&](const HttpResult &) {
        ++called;
        connection.reset();
    });
    connection->request("GET", "/two", {}, {}, 5000, [&](const HttpResult &) { ++called; });
    QTRY_VERIFY(!connection);
    // Destroying the connection drops the remaining callbacks; give them a chance to misfire.
    QTRY_COMPARE(server.closedByClient, 1);
    QCoreApplication::processEvents();
    QCOMPARE(called, 1);
}

void TestHttpConnection::connectionRefused()
{
    quint16 port = 0;
    {
        // A port that was just free: nothing listens there once the server is gone.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    HttpConnection connection(QStringLiteral("127.0.0.1"), port);
    Answers answers;
    connection.request("GET", "/", {}, {}, 5000, answers.callback(1));
    connection.request("GET", "/", {}, {}, 5000, answers.callback(2));
    QTRY_COMPARE(answers.results.size(), 2);
    for (const HttpResult &result : std::as_const(answers.results)) {
        QCOMPARE(result.status, 0);
        QVERIFY(!result.error.isEmpty());
    }
}

void TestHttpConnection::getOnce_data()
{
    QTest::addColumn<CannedServer::Mode>("mode");
    QTest::addColumn<int>("status");
    QTest::newRow("answered") << CannedServer::Mode::Answer << 200;
    QTest::newRow("closed without an answer") << CannedServer::Mode::CloseWithoutAnswer << 0;
    QTest::newRow("silent past the timeout") << CannedServer::Mode::Silent << 0;
}

void TestHttpConnection::getOnce()
{
    QFETCH(CannedServer::Mode, mode);
    QFETCH(int, status);
    CannedServer server(mode);
    QVERIFY(server.listen());
    QObject context;
    QList<HttpResult> results;
    HttpConnection::getOnce(QStringLiteral("127.0.0.1"), server.port(), "/metrics", 300, &context,
                            [&](const HttpResult &result) { results << result; });
    QTRY_COMPARE(results.size(), 1);
    QCOMPARE(results.at(0).status, status);
    QCOMPARE(server.requests.value(0).method, QByteArray("GET"));
    QCOMPARE(server.requests.value(0).target, QByteArray("/metrics"));
    // Its connection goes once it has answered.
    QTRY_COMPARE(context.findChildren<HttpConnection *>().size(), 0);
    // Exactly once: nothing more arrives by a later sentinel request.
    Answers answers;
    HttpConnection sentinel(QStringLiteral("127.0.0.1"), server.port());
    sentinel.request("GET", "/sentinel", {}, {}, 300, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    QCOMPARE(results.size(), 1);
}

void TestHttpConnection::getOnceCancelledWithItsContext()
{
    CannedServer server(CannedServer::Mode::Silent);
    QVERIFY(server.listen());
    auto context = std::make_unique<QObject>();
    bool called = false;
    HttpConnection::getOnce(QStringLiteral("127.0.0.1"), server.port(), "/", 200, context.get(),
                            [&](const HttpResult &) { called = true; });
    QTRY_COMPARE(server.requests.size(), 1);
    context.reset();
    // Past the timeout, by a sentinel's own timed-out request: the cancelled one never answered.
    Answers answers;
    HttpConnection sentinel(QStringLiteral("127.0.0.1"), server.port());
    sentinel.request("GET", "/sentinel", {}, {}, 400, answers.callback(1));
    QTRY_COMPARE(answers.results.size(), 1);
    QVERIFY(!called);
}

QTEST_GUILESS_MAIN(TestHttpConnection)
#include "tst_httpconnection.moc"
