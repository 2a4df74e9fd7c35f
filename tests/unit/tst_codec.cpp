// Unit tests of the public wire format: core/protocol/event.{h,cpp} and codec.{h,cpp}.

#include "protocol/codec.h"
#include "protocol/event.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <QtTest>

using namespace duplex::protocol;

Q_DECLARE_METATYPE(duplex::protocol::Event)
Q_DECLARE_METATYPE(duplex::protocol::PublishParse::Status)
Q_DECLARE_METATYPE(duplex::protocol::SubscribeParse::Status)
Q_DECLARE_METATYPE(duplex::protocol::EventParse::Status)

namespace {

QString describe(const QJsonValue &v)
{
    if (v.isUndefined())
        return QStringLiteral("<undefined>");
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact));
}

// Every field of `Event`, whatever the type: a round trip must keep them all.
QString mismatch(const Event &a, const Event &b)
{
    QStringList diffs;
    if (a.type != b.type)
        diffs << QStringLiteral("type %1 != %2").arg(eventTypeName(a.type), eventTypeName(b.type));
    if (a.channel != b.channel)
        diffs << QStringLiteral("channel %1 != %2").arg(a.channel, b.channel);
    if (a.seq != b.seq)
        diffs << QStringLiteral("seq %1 != %2").arg(a.seq).arg(b.seq);
    if (a.ts != b.ts)
        diffs << QStringLiteral("ts %1 != %2").arg(a.ts).arg(b.ts);
    if (a.clientId != b.clientId)
        diffs << QStringLiteral("clientId %1 != %2").arg(a.clientId, b.clientId);
    if (a.transport != b.transport)
        diffs << QStringLiteral("transport %1 != %2").arg(a.transport, b.transport);
    if (a.node != b.node)
        diffs << QStringLiteral("node %1 != %2").arg(a.node, b.node);
    if (a.presence != b.presence)
        diffs << QStringLiteral("presence %1 != %2").arg(a.presence).arg(b.presence);
    if (a.data != b.data || a.data.type() != b.data.type())
        diffs << QStringLiteral("data %1 != %2").arg(describe(a.data), describe(b.data));
    if (a.from != b.from)
        diffs << QStringLiteral("from %1 != %2").arg(a.from).arg(b.from);
    if (a.to != b.to)
        diffs << QStringLiteral("to %1 != %2").arg(a.to).arg(b.to);
    if (a.id != b.id || a.id.type() != b.id.type())
        diffs << QStringLiteral("id %1 != %2").arg(describe(a.id), describe(b.id));
    if (a.code != b.code)
        diffs << QStringLiteral("code %1 != %2").arg(a.code, b.code);
    if (a.message != b.message)
        diffs << QStringLiteral("message %1 != %2").arg(a.message, b.message);
    return diffs.join(QStringLiteral("; "));
}

Event message(const QString &channel, qint64 seq, const QString &from, qint64 ts, const QJsonValue &data)
{
    Event e = Event::published(channel, from, data);
    e.seq = seq;
    e.ts = ts;
    return e;
}

Event join(const QString &channel, qint64 seq, const QString &clientId, const QString &transport)
{
    Event e = Event::join(channel, clientId, transport);
    e.seq = seq;
    return e;
}

Event leave(const QString &channel, qint64 seq, const QString &clientId)
{
    Event e = Event::leave(channel, clientId);
    e.seq = seq;
    return e;
}

QJsonValue json(const char *text)
{
    // A JSON value from its text (wrapped in an array so scalars parse too).
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray("[") + text + "]", &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad JSON in the test itself: %s", text);
    return doc.array().at(0);
}

const QJsonValue kUndefined(QJsonValue::Undefined);

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT

private slots:
    void eventTypeNames();

    void roundTrip_data();
    void roundTrip();

    void exactJson_data();
    void exactJson();

    void webSocketFrame_data();
    void webSocketFrame();

    void cometBody_data();
    void cometBody();
    void cometBodyId_data();
    void cometBodyId();

    void parseEventResult_data();
    void parseEventResult();

    void eventList_data();
    void eventList();
    void eventListFromDevice();

    void names_data();
    void names();

    void subscribeQuery_data();
    void subscribeQuery();
    void presenceQuery_data();
    void presenceQuery();

    void fastMatchesFull_data();
    void fastMatchesFull();
    void fastListMatchesFull_data();
    void fastListMatchesFull();
};

void TestCodec::eventTypeNames()
{
    const QList<QPair<EventType, QString>> all = {
        {EventType::Welcome, QStringLiteral("welcome")}, {EventType::Message, QStringLiteral("message")},
        {EventType::Join, QStringLiteral("join")},       {EventType::Leave, QStringLiteral("leave")},
        {EventType::Gap, QStringLiteral("gap")},         {EventType::Ack, QStringLiteral("ack")},
        {EventType::Error, QStringLiteral("error")},
    };
    for (const auto &[type, name] : all) {
        QCOMPARE(eventTypeName(type), name);
        EventType parsed = EventType::Message;
        QVERIFY2(eventTypeFromName(name, &parsed), qPrintable(name));
        QCOMPARE(parsed, type);
    }
    EventType untouched = EventType::Gap;
    QVERIFY(!eventTypeFromName(QStringLiteral("publish"), &untouched));
    QVERIFY(!eventTypeFromName(QStringLiteral("Message"), &untouched));
    QVERIFY(!eventTypeFromName(QString(), &untouched));
    QCOMPARE(untouched, EventType::Gap);
}

void TestCodec::roundTrip_data()
{
    QTest::addColumn<Event>("event");
    QTest::addColumn<QString>("typeName");

    QTest::newRow("welcome") << Event::welcome(QStringLiteral("c7f3"), QStringLiteral("main"), 41, QStringLiteral("ws-2"))
                             << "welcome";
    QTest::newRow("welcome-seq0") << Event::welcome(QStringLiteral("c"), QStringLiteral("room.1"), 0, QStringLiteral("ws-1"))
                                  << "welcome";
    QTest::newRow("welcome-no-presence")
        << Event::welcome(QStringLiteral("c"), QStringLiteral("big"), 7, QStringLiteral("ws-1"), false) << "welcome";
    QTest::newRow("message-object")
        << message(QStringLiteral("main"), 42, QStringLiteral("c7f3"), 1764000000123, json(R"({"a":[1,2,{"b":null}],"c":"d"})"))
        << "message";
    QTest::newRow("message-array") << message(QStringLiteral("main"), 1, QStringLiteral("x"), 1, json("[1,\"two\",true,null]"))
                                   << "message";
    QTest::newRow("message-string") << message(QStringLiteral("main"), 2, QStringLiteral("x"), 2, QJsonValue(QStringLiteral("Hello")))
                                    << "message";
    QTest::newRow("message-escapes")
        << message(QStringLiteral("main"), 3, QStringLiteral("x"), 3, QJsonValue(QStringLiteral("q\"b\\s/n\nt\tc\x01")))
        << "message";
    QTest::newRow("message-unicode")
        << message(QStringLiteral("main"), 4, QStringLiteral("x"), 4,
                   QJsonValue(QString::fromUtf8("Привет, мир 🎉 é")))
        << "message";
    QTest::newRow("message-integer") << message(QStringLiteral("main"), 5, QStringLiteral("x"), 5, QJsonValue(-17))
                                     << "message";
    QTest::newRow("message-double") << message(QStringLiteral("main"), 6, QStringLiteral("x"), 6, QJsonValue(1.25))
                                    << "message";
    QTest::newRow("message-true") << message(QStringLiteral("main"), 7, QStringLiteral("x"), 7, QJsonValue(true))
                                  << "message";
    QTest::newRow("message-false") << message(QStringLiteral("main"), 8, QStringLiteral("x"), 8, QJsonValue(false))
                                   << "message";
    QTest::newRow("message-null") << message(QStringLiteral("main"), 9, QStringLiteral("x"), 9, QJsonValue(QJsonValue::Null))
                                  << "message";
    QTest::newRow("message-big-seq")
        << message(QStringLiteral("main"), (qint64(1) << 53), QStringLiteral("x"), 1764000000123, json("{}"))
        << "message";
    QTest::newRow("join") << join(QStringLiteral("main"), 43, QStringLiteral("a91e"), QStringLiteral("comet")) << "join";
    QTest::newRow("join-ws") << join(QStringLiteral("r"), 1, QStringLiteral("b"), QStringLiteral("ws")) << "join";
    QTest::newRow("leave") << leave(QStringLiteral("main"), 44, QStringLiteral("a91e")) << "leave";
    QTest::newRow("gap") << Event::gap(QStringLiteral("main"), 12, 30) << "gap";
    QTest::newRow("gap-single") << Event::gap(QStringLiteral("main"), 5, 5) << "gap";
    QTest::newRow("ack-string-id") << Event::ack(QJsonValue(QStringLiteral("x1")), 42) << "ack";
    QTest::newRow("ack-numeric-id") << Event::ack(QJsonValue(7), 43) << "ack";
    QTest::newRow("ack-fraction-id") << Event::ack(QJsonValue(2.5), 44) << "ack";
    QTest::newRow("error") << Event::error(QStringLiteral("bad_json"), QStringLiteral("invalid JSON at offset 1")) << "error";
    QTest::newRow("error-empty-message") << Event::error(QStringLiteral("too_large"), QString()) << "error";
}

void TestCodec::roundTrip()
{
    QFETCH(Event, event);
    QFETCH(QString, typeName);

    const QByteArray bytes = event.toJson();
    const QByteArray prefix = "{\"type\":\"" + typeName.toLatin1() + '"';
    QVERIFY2(bytes.startsWith(prefix), bytes.constData());
    QVERIFY2(bytes.endsWith('}'), bytes.constData());

    // The hand-written encoder and QJsonObject agree on the content.
    const QJsonDocument doc = QJsonDocument::fromJson(bytes);
    QVERIFY2(doc.isObject(), bytes.constData());
    QCOMPARE(doc.object(), event.toJsonObject());

    const EventParse parsed = parseEvent(bytes);
    QVERIFY2(parsed.status == EventParse::Status::Ok, qPrintable(parsed.error + QLatin1String(": ") + QString::fromUtf8(bytes)));
    QVERIFY(parsed.error.isEmpty());
    const QString diff = mismatch(parsed.event, event);
    QVERIFY2(diff.isEmpty(), qPrintable(diff + QLatin1String(" in ") + QString::fromUtf8(bytes)));

    // Same through the QJsonObject overload, and encoding again gives the same bytes.
    const EventParse fromObject = parseEvent(event.toJsonObject());
    QCOMPARE(fromObject.status, EventParse::Status::Ok);
    QVERIFY(mismatch(fromObject.event, event).isEmpty());
    QCOMPARE(parsed.event.toJson(), bytes);

    // Sequenced keeps the encoding it was made with.
    const Sequenced s = Sequenced::from(event);
    QCOMPARE(s.json, bytes);
    QCOMPARE(s.event.isSequenced(),
             event.type == EventType::Message || event.type == EventType::Join || event.type == EventType::Leave);
}

void TestCodec::exactJson_data()
{
    QTest::addColumn<Event>("event");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("welcome") << Event::welcome(QStringLiteral("c7f3"), QStringLiteral("main"), 41, QStringLiteral("ws-2"))
                             << QByteArray(R"({"type":"welcome","clientId":"c7f3","channel":"main","seq":41,"node":"ws-2","presence":true})");
    QTest::newRow("welcome over the presence limit")
        << Event::welcome(QStringLiteral("c7f3"), QStringLiteral("main"), 41, QStringLiteral("ws-2"), false)
        << QByteArray(R"({"type":"welcome","clientId":"c7f3","channel":"main","seq":41,"node":"ws-2","presence":false})");
    QTest::newRow("message")
        << message(QStringLiteral("main"), 42, QStringLiteral("c7f3"), 1764000000123, json(R"({"text":"hi","n":[1,true,null]})"))
        << QByteArray(R"({"type":"message","channel":"main","seq":42,"from":"c7f3","ts":1764000000123,"data":{"n":[1,true,null],"text":"hi"}})");
    QTest::newRow("message-unicode-string")
        << message(QStringLiteral("main"), 1, QStringLiteral("a"), 5, QJsonValue(QString::fromUtf8("é \"x\"")))
        << QByteArray(u8R"({"type":"message","channel":"main","seq":1,"from":"a","ts":5,"data":"é \"x\""})");
    QTest::newRow("message-undefined-data-is-null")
        << message(QStringLiteral("main"), 2, QStringLiteral("a"), 6, kUndefined)
        << QByteArray(R"({"type":"message","channel":"main","seq":2,"from":"a","ts":6,"data":null})");
    QTest::newRow("join") << join(QStringLiteral("main"), 43, QStringLiteral("a91e"), QStringLiteral("comet"))
                          << QByteArray(R"({"type":"join","channel":"main","seq":43,"clientId":"a91e","transport":"comet"})");
    QTest::newRow("leave") << leave(QStringLiteral("main"), 44, QStringLiteral("a91e"))
                           << QByteArray(R"({"type":"leave","channel":"main","seq":44,"clientId":"a91e"})");
    QTest::newRow("ack") << Event::ack(QJsonValue(QStringLiteral("x")), 42)
                         << QByteArray(R"({"type":"ack","id":"x","seq":42})");
    QTest::newRow("gap") << Event::gap(QStringLiteral("main"), 12, 30)
                         << QByteArray(R"({"type":"gap","channel":"main","from":12,"to":30})");
    QTest::newRow("error") << Event::error(QStringLiteral("bad_json"), QStringLiteral("no"))
                           << QByteArray(R"({"type":"error","code":"bad_json","message":"no"})");
}

void TestCodec::exactJson()
{
    QFETCH(Event, event);
    QFETCH(QByteArray, expected);
    QCOMPARE(event.toJson(), expected);
}

namespace {

// `depth` arrays nested around 1, as a publish's data: "[[1]]" is 2 deep.
QByteArray nested(int depth)
{
    return QByteArray(depth, '[') + '1' + QByteArray(depth, ']');
}

} // namespace

void TestCodec::webSocketFrame_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<PublishParse::Status>("status");
    QTest::addColumn<QJsonValue>("data");
    QTest::addColumn<QJsonValue>("id");

    using S = PublishParse::Status;
    const qint64 def = kDefaultMaxMessageBytes;
    const QJsonValue none = kUndefined;

    QTest::newRow("publish-string-id") << QByteArray(R"({"type":"publish","data":"hi","id":"x1"})") << def << S::Ok
                                       << QJsonValue(QStringLiteral("hi")) << QJsonValue(QStringLiteral("x1"));
    QTest::newRow("publish-numeric-id") << QByteArray(R"({"type":"publish","data":"hi","id":7})") << def << S::Ok
                                        << QJsonValue(QStringLiteral("hi")) << QJsonValue(7);
    QTest::newRow("publish-id-before-type") << QByteArray(R"({"id":"z","data":1,"type":"publish"})") << def << S::Ok
                                            << QJsonValue(1) << QJsonValue(QStringLiteral("z"));
    QTest::newRow("publish-no-id") << QByteArray(R"({"type":"publish","data":"hi"})") << def << S::Ok
                                   << QJsonValue(QStringLiteral("hi")) << none;
    QTest::newRow("publish-id-128") << (R"({"type":"publish","data":1,"id":")" + QByteArray(128, 'i') + "\"}") << def
                                    << S::Ok << QJsonValue(1) << QJsonValue(QString(128, QLatin1Char('i')));
    QTest::newRow("data-object") << QByteArray(R"({"type":"publish","data":{"a":{"b":[1]}}})") << def << S::Ok
                                 << json(R"({"a":{"b":[1]}})") << none;
    QTest::newRow("data-array") << QByteArray(R"({"type":"publish","data":[1,"2",null]})") << def << S::Ok
                                << json(R"([1,"2",null])") << none;
    QTest::newRow("data-empty-object") << QByteArray(R"({"type":"publish","data":{}})") << def << S::Ok << json("{}") << none;
    QTest::newRow("data-string") << QByteArray(R"({"type":"publish","data":"text"})") << def << S::Ok
                                 << QJsonValue(QStringLiteral("text")) << none;
    QTest::newRow("data-integer") << QByteArray(R"({"type":"publish","data":-42})") << def << S::Ok << QJsonValue(-42) << none;
    QTest::newRow("data-double") << QByteArray(R"({"type":"publish","data":3.5e2})") << def << S::Ok << QJsonValue(350.0) << none;
    QTest::newRow("data-true") << QByteArray(R"({"type":"publish","data":true})") << def << S::Ok << QJsonValue(true) << none;
    QTest::newRow("data-false") << QByteArray(R"({"type":"publish","data":false})") << def << S::Ok << QJsonValue(false) << none;
    QTest::newRow("data-null") << QByteArray(R"({"type":"publish","data":null})") << def << S::Ok
                               << QJsonValue(QJsonValue::Null) << none;
    QTest::newRow("plain-hello") << QByteArray("Hello") << def << S::Ok << QJsonValue(QStringLiteral("Hello")) << none;
    QTest::newRow("plain-bracket") << QByteArray("[1,2]") << def << S::Ok << QJsonValue(QStringLiteral("[1,2]")) << none;
    QTest::newRow("plain-number") << QByteArray("42") << def << S::Ok << QJsonValue(QStringLiteral("42")) << none;
    QTest::newRow("plain-quoted") << QByteArray("\"q\"") << def << S::Ok << QJsonValue(QStringLiteral("\"q\"")) << none;
    QTest::newRow("plain-leading-space") << QByteArray(R"( {"type":"publish","data":1})") << def << S::Ok
                                         << QJsonValue(QStringLiteral(R"( {"type":"publish","data":1})")) << none;
    QTest::newRow("plain-empty") << QByteArray() << def << S::Ok << QJsonValue(QString()) << none;
    QTest::newRow("plain-cyrillic") << QByteArray(u8"Привет") << def << S::Ok << QJsonValue(QString::fromUtf8(u8"Привет"))
                                    << none;
    QTest::newRow("unicode-cyrillic-emoji") << QByteArray(u8R"({"type":"publish","data":"Привет 🎉"})") << def << S::Ok
                                            << QJsonValue(QString::fromUtf8(u8"Привет 🎉")) << none;
    QTest::newRow("unicode-escaped") << QByteArray(R"({"type":"publish","data":"caf\u00e9 \ud83c\udf89"})") << def << S::Ok
                                     << QJsonValue(QString::fromUtf8(u8"café 🎉")) << none;
    QTest::newRow("unicode-key-and-id") << QByteArray(u8R"({"type":"publish","data":{"ключ":"é"},"id":"ид"})") << def << S::Ok
                                        << json(u8R"({"ключ":"é"})") << QJsonValue(QString::fromUtf8(u8"ид"));

    QTest::newRow("bad-json") << QByteArray("{bad") << def << S::BadJson << none << none;
    QTest::newRow("bad-json-trailing") << QByteArray(R"({"type":"publish","data":1} x)") << def << S::BadJson << none << none;
    QTest::newRow("bad-empty-object") << QByteArray("{}") << def << S::BadJson << none << none;
    QTest::newRow("bad-type") << QByteArray(R"({"type":"nope","data":1})") << def << S::BadJson << none << none;
    QTest::newRow("bad-type-number") << QByteArray(R"({"type":1,"data":1})") << def << S::BadJson << none << none;
    QTest::newRow("missing-type") << QByteArray(R"({"data":1})") << def << S::BadJson << none << none;
    QTest::newRow("missing-data") << QByteArray(R"({"type":"publish"})") << def << S::BadJson << none << none;
    QTest::newRow("missing-data-with-id") << QByteArray(R"({"type":"publish","id":"a"})") << def << S::BadJson << none << none;
    QTest::newRow("id-object") << QByteArray(R"({"type":"publish","data":1,"id":{}})") << def << S::BadJson << none << none;
    QTest::newRow("id-array") << QByteArray(R"({"type":"publish","data":1,"id":["a"]})") << def << S::BadJson << none << none;
    QTest::newRow("id-bool") << QByteArray(R"({"type":"publish","data":1,"id":true})") << def << S::BadJson << none << none;
    QTest::newRow("id-129") << (R"({"type":"publish","data":1,"id":")" + QByteArray(129, 'i') + "\"}") << def << S::BadJson
                            << none << none;

    const QByteArray tenBytes = R"({"type":"publish","data":"x"})"; // 29 bytes
    QTest::newRow("max-exact") << tenBytes << qint64(tenBytes.size()) << S::Ok << QJsonValue(QStringLiteral("x")) << none;
    QTest::newRow("max-exceeded") << tenBytes << qint64(tenBytes.size() - 1) << S::TooLarge << none << none;
    QTest::newRow("max-plain-exact") << QByteArray(10, 'a') << qint64(10) << S::Ok << QJsonValue(QString(10, QLatin1Char('a')))
                                     << none;
    QTest::newRow("max-plain-exceeded") << QByteArray(11, 'a') << qint64(10) << S::TooLarge << none << none;
    QTest::newRow("max-counts-bytes") << QByteArray(u8"Привет") << qint64(11) << S::TooLarge << none << none; // 12 bytes
    QTest::newRow("max-bad-json-too-large") << QByteArray("{bad json}") << qint64(5) << S::TooLarge << none << none;
    QTest::newRow("default-limit-exact") << QByteArray(def, 'z') << def << S::Ok << QJsonValue(QString(def, QLatin1Char('z')))
                                         << none;
    QTest::newRow("default-limit-exceeded") << QByteArray(def + 1, 'z') << def << S::TooLarge << none << none;

    // The input policy (inputpolicy.h): data nests at most kMaxDataDepth levels, and every
    // byte is UTF-8; both refused as bad_json, before the parser (which would take 1022).
    const QByteArray envelope = R"({"type":"publish","data":)";
    for (const int depth : {31, 32}) {
        QTest::addRow("depth-%d", depth) << (envelope + nested(depth) + '}') << def << S::Ok
                                         << QJsonDocument::fromJson("[" + nested(depth) + "]").array().at(0) << none;
    }
    for (const int depth : {33, 1022, 5000})
        QTest::addRow("depth-%d", depth) << (envelope + nested(depth) + '}') << def << S::BadJson << none << none;
    QTest::newRow("depth-object-33") << (envelope + QByteArray(33 * 5, ' ').replace("     ", R"({"a":)") + "1"
                                         + QByteArray(33, '}') + '}')
                                     << def << S::BadJson << none << none;
    QTest::newRow("depth-brackets-in-string") << (envelope + '"' + QByteArray(5000, '[') + "\"}") << def << S::Ok
                                              << QJsonValue(QString(5000, QLatin1Char('['))) << none;
    QTest::newRow("plain-deep-brackets-are-text") << nested(5000) << def << S::Ok << QJsonValue(QString::fromLatin1(nested(5000)))
                                                  << none;
    QTest::newRow("utf8-stray-continuation") << QByteArray("a\x80" "b") << def << S::BadJson << none << none;
    QTest::newRow("utf8-truncated") << QByteArray(u8"Привет").chopped(1) << def << S::BadJson << none << none;
    QTest::newRow("utf8-overlong-slash") << QByteArray("\xc0\xaf") << def << S::BadJson << none << none;
    QTest::newRow("utf8-surrogate") << QByteArray("\xed\xa0\x80") << def << S::BadJson << none << none;
    QTest::newRow("utf8-above-max") << QByteArray("\xf4\x90\x80\x80") << def << S::BadJson << none << none;
    QTest::newRow("utf8-bad-in-json-string") << (envelope + "\"\xff\"}") << def << S::BadJson << none << none;
}

void TestCodec::webSocketFrame()
{
    QFETCH(QByteArray, frame);
    QFETCH(qint64, maxBytes);
    QFETCH(PublishParse::Status, status);
    QFETCH(QJsonValue, data);
    QFETCH(QJsonValue, id);

    const PublishParse r = parseWebSocketFrame(frame, maxBytes);
    QCOMPARE(r.status, status);
    if (status != PublishParse::Status::Ok) {
        QVERIFY2(!r.error.isEmpty(), "a refusal carries a reason");
        return;
    }
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QVERIFY2(r.request.data == data && r.request.data.type() == data.type(),
             qPrintable(describe(r.request.data) + QLatin1String(" != ") + describe(data)));
    QVERIFY2(r.request.id.isUndefined() == id.isUndefined(), qPrintable(describe(r.request.id)));
    QVERIFY2(r.request.id == id, qPrintable(describe(r.request.id) + QLatin1String(" != ") + describe(id)));
}

void TestCodec::cometBody_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<PublishParse::Status>("status");
    QTest::addColumn<QJsonValue>("data");

    using S = PublishParse::Status;
    const qint64 def = kDefaultMaxMessageBytes;
    const QJsonValue none = kUndefined;

    QTest::newRow("data-object") << QByteArray(R"({"data":{"a":1}})") << def << S::Ok << json(R"({"a":1})");
    QTest::newRow("data-array") << QByteArray(R"({"data":[true,false]})") << def << S::Ok << json("[true,false]");
    QTest::newRow("data-string") << QByteArray(R"({"data":"s"})") << def << S::Ok << QJsonValue(QStringLiteral("s"));
    QTest::newRow("data-number") << QByteArray(R"({"data":0.5})") << def << S::Ok << QJsonValue(0.5);
    QTest::newRow("data-bool") << QByteArray(R"({"data":true})") << def << S::Ok << QJsonValue(true);
    QTest::newRow("data-null") << QByteArray(R"({"data":null})") << def << S::Ok << QJsonValue(QJsonValue::Null);
    QTest::newRow("extra-fields-ignored") << QByteArray(R"({"type":"publish","data":1,"x":2})") << def << S::Ok << QJsonValue(1);
    QTest::newRow("text") << QByteArray("Hello") << def << S::Ok << QJsonValue(QStringLiteral("Hello"));
    QTest::newRow("text-bracket") << QByteArray("[1]") << def << S::Ok << QJsonValue(QStringLiteral("[1]"));
    QTest::newRow("text-empty") << QByteArray() << def << S::Ok << QJsonValue(QString());
    QTest::newRow("text-unicode") << QByteArray(u8"Ёж 🦔") << def << S::Ok << QJsonValue(QString::fromUtf8(u8"Ёж 🦔"));
    QTest::newRow("unicode-escaped") << QByteArray(R"({"data":"\u00e9\u0416"})") << def << S::Ok
                                     << QJsonValue(QString::fromUtf8(u8"éЖ"));
    QTest::newRow("bad-json") << QByteArray("{bad") << def << S::BadJson << none;
    QTest::newRow("missing-data") << QByteArray(R"({"type":"publish"})") << def << S::BadJson << none;
    QTest::newRow("empty-object") << QByteArray("{}") << def << S::BadJson << none;
    const QByteArray body = R"({"data":"abc"})";
    QTest::newRow("max-exact") << body << qint64(body.size()) << S::Ok << QJsonValue(QStringLiteral("abc"));
    QTest::newRow("oversize") << body << qint64(body.size() - 1) << S::TooLarge << none;
    QTest::newRow("oversize-text") << QByteArray(def + 1, 't') << def << S::TooLarge << none;
    QTest::newRow("depth-32") << (R"({"data":)" + nested(32) + '}') << def << S::Ok
                              << QJsonDocument::fromJson("[" + nested(32) + "]").array().at(0);
    QTest::newRow("depth-33") << (R"({"data":)" + nested(33) + '}') << def << S::BadJson << none;
    QTest::newRow("depth-1022") << (R"({"data":)" + nested(1022) + '}') << def << S::BadJson << none;
    QTest::newRow("utf8-bad-text") << QByteArray("caf\xe9") << def << S::BadJson << none;
}

void TestCodec::cometBody()
{
    QFETCH(QByteArray, body);
    QFETCH(qint64, maxBytes);
    QFETCH(PublishParse::Status, status);
    QFETCH(QJsonValue, data);

    const PublishParse r = parseCometBody(body, maxBytes);
    QCOMPARE(r.status, status);
    if (status != PublishParse::Status::Ok) {
        QVERIFY(!r.error.isEmpty());
        return;
    }
    QVERIFY2(r.request.data == data && r.request.data.type() == data.type(),
             qPrintable(describe(r.request.data) + QLatin1String(" != ") + describe(data)));
    QVERIFY(r.request.id.isUndefined());
}

void TestCodec::cometBodyId_data()
{
    // A Comet body takes the same `id` as a WebSocket frame (the contract: retries with it
    // are sequenced once).
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QJsonValue>("id");

    QTest::newRow("string") << QByteArray(R"({"data":1,"id":"p-1"})") << true << QJsonValue(QStringLiteral("p-1"));
    QTest::newRow("number") << QByteArray(R"({"data":1,"id":7})") << true << QJsonValue(7);
    QTest::newRow("128 characters") << (R"({"data":1,"id":")" + QByteArray(128, 'x') + "\"}") << true
                                    << QJsonValue(QString(128, QLatin1Char('x')));
    QTest::newRow("129 characters") << (R"({"data":1,"id":")" + QByteArray(129, 'x') + "\"}") << false << kUndefined;
    QTest::newRow("an object") << QByteArray(R"({"data":1,"id":{}})") << false << kUndefined;
    QTest::newRow("none") << QByteArray(R"({"data":1})") << true << kUndefined;
    QTest::newRow("text has none") << QByteArray(R"(id 7)") << true << kUndefined;
}

void TestCodec::cometBodyId()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, ok);
    QFETCH(QJsonValue, id);

    const PublishParse r = parseCometBody(body);
    QCOMPARE(r.status, ok ? PublishParse::Status::Ok : PublishParse::Status::BadJson);
    if (ok)
        QCOMPARE(r.request.id, id);
}

void TestCodec::parseEventResult_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<EventParse::Status>("status");

    using S = EventParse::Status;
    QTest::newRow("not-json") << QByteArray("not json") << S::BadJson;
    QTest::newRow("truncated") << QByteArray(R"({"type":"gap")") << S::BadJson;
    QTest::newRow("empty") << QByteArray() << S::BadJson;
    QTest::newRow("array") << QByteArray(R"([{"type":"gap","channel":"m","from":1,"to":2}])") << S::BadJson;
    QTest::newRow("string") << QByteArray(R"("message")") << S::BadJson;
    QTest::newRow("number") << QByteArray("42") << S::BadJson;
    QTest::newRow("no-type") << QByteArray(R"({"channel":"m","from":1,"to":2})") << S::BadEvent;
    QTest::newRow("unknown-type") << QByteArray(R"({"type":"publish","data":1})") << S::BadEvent;
    QTest::newRow("type-number") << QByteArray(R"({"type":3})") << S::BadEvent;
    QTest::newRow("message-ok") << QByteArray(R"({"type":"message","channel":"m","seq":1,"from":"c","ts":2,"data":1})") << S::Ok;
    QTest::newRow("welcome without presence (a server before it)")
        << QByteArray(R"({"type":"welcome","clientId":"c","channel":"m","seq":1,"node":"n"})") << S::Ok;
    QTest::newRow("welcome presence not a boolean")
        << QByteArray(R"({"type":"welcome","clientId":"c","channel":"m","seq":1,"node":"n","presence":0})") << S::BadEvent;
    QTest::newRow("message-data-null")
        << QByteArray(R"({"type":"message","channel":"m","seq":1,"from":"c","ts":2,"data":null})") << S::Ok;
    QTest::newRow("message-unknown-field-ignored")
        << QByteArray(R"({"type":"message","channel":"m","seq":1,"from":"c","ts":2,"data":1,"extra":{}})") << S::Ok;
    QTest::newRow("message-missing-seq") << QByteArray(R"({"type":"message","channel":"m","from":"c","ts":2,"data":1})")
                                         << S::BadEvent;
    QTest::newRow("message-seq-string")
        << QByteArray(R"({"type":"message","channel":"m","seq":"1","from":"c","ts":2,"data":1})") << S::BadEvent;
    QTest::newRow("message-seq-null")
        << QByteArray(R"({"type":"message","channel":"m","seq":null,"from":"c","ts":2,"data":1})") << S::BadEvent;
    QTest::newRow("message-missing-data") << QByteArray(R"({"type":"message","channel":"m","seq":1,"from":"c","ts":2})")
                                          << S::BadEvent;
    QTest::newRow("message-missing-ts") << QByteArray(R"({"type":"message","channel":"m","seq":1,"from":"c","data":1})")
                                        << S::BadEvent;
    QTest::newRow("message-from-number")
        << QByteArray(R"({"type":"message","channel":"m","seq":1,"from":5,"ts":2,"data":1})") << S::BadEvent;
    QTest::newRow("message-channel-missing") << QByteArray(R"({"type":"message","seq":1,"from":"c","ts":2,"data":1})")
                                             << S::BadEvent;
    QTest::newRow("welcome-ok") << QByteArray(R"({"type":"welcome","clientId":"c","channel":"m","seq":0,"node":"n"})") << S::Ok;
    QTest::newRow("welcome-missing-node") << QByteArray(R"({"type":"welcome","clientId":"c","channel":"m","seq":0})")
                                          << S::BadEvent;
    QTest::newRow("welcome-seq-bool") << QByteArray(R"({"type":"welcome","clientId":"c","channel":"m","seq":true,"node":"n"})")
                                      << S::BadEvent;
    QTest::newRow("join-missing-transport") << QByteArray(R"({"type":"join","channel":"m","seq":1,"clientId":"c"})")
                                            << S::BadEvent;
    QTest::newRow("leave-clientId-number") << QByteArray(R"({"type":"leave","channel":"m","seq":1,"clientId":1})")
                                           << S::BadEvent;
    QTest::newRow("gap-from-string") << QByteArray(R"({"type":"gap","channel":"m","from":"1","to":2})") << S::BadEvent;
    QTest::newRow("gap-missing-to") << QByteArray(R"({"type":"gap","channel":"m","from":1})") << S::BadEvent;
    QTest::newRow("ack-missing-id") << QByteArray(R"({"type":"ack","seq":1})") << S::BadEvent;
    QTest::newRow("ack-seq-string") << QByteArray(R"({"type":"ack","id":"a","seq":"1"})") << S::BadEvent;
    QTest::newRow("error-missing-code") << QByteArray(R"({"type":"error","message":"m"})") << S::BadEvent;
    QTest::newRow("error-no-message-ok") << QByteArray(R"({"type":"error","code":"forbidden"})") << S::Ok;
}

void TestCodec::parseEventResult()
{
    QFETCH(QByteArray, text);
    QFETCH(EventParse::Status, status);

    const EventParse r = parseEvent(text);
    QVERIFY2(r.status == status, qPrintable(QStringLiteral("status %1, expected %2 (%3)")
                                                .arg(int(r.status)).arg(int(status)).arg(r.error)));
    QCOMPARE(r.error.isEmpty(), status == EventParse::Status::Ok);
}

void TestCodec::eventList_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<EventParse::Status>("status");
    QTest::addColumn<QStringList>("types");
    QTest::addColumn<QList<qint64>>("seqs");

    using S = EventParse::Status;
    const QByteArray w = R"({"type":"welcome","clientId":"c","channel":"main","seq":3,"node":"ws-1"})";
    const QByteArray m = R"({"type":"message","channel":"main","seq":4,"from":"c","ts":9,"data":"x"})";
    const QByteArray j = R"({"type":"join","channel":"main","seq":5,"clientId":"d","transport":"comet"})";
    const QByteArray bad = R"({"type":"message","channel":"main","from":"c","ts":9,"data":"x"})";

    QTest::newRow("three") << ("[" + w + "," + m + "," + j + "]") << S::Ok
                           << QStringList{"welcome", "message", "join"} << QList<qint64>{3, 4, 5};
    QTest::newRow("empty-array") << QByteArray("[]") << S::Ok << QStringList() << QList<qint64>();
    QTest::newRow("whitespace") << ("\n [ " + m + " ]\n") << S::Ok << QStringList{"message"} << QList<qint64>{4};
    QTest::newRow("object-not-array") << m << S::BadJson << QStringList() << QList<qint64>();
    QTest::newRow("string-not-array") << QByteArray(R"("x")") << S::BadJson << QStringList() << QList<qint64>();
    QTest::newRow("not-json") << QByteArray("[{") << S::BadJson << QStringList() << QList<qint64>();
    QTest::newRow("empty") << QByteArray() << S::BadJson << QStringList() << QList<qint64>();
    QTest::newRow("one-bad-element") << ("[" + w + "," + bad + "," + j + "]") << S::BadEvent << QStringList() << QList<qint64>();
    QTest::newRow("non-object-element") << ("[" + m + ",1]") << S::BadEvent << QStringList() << QList<qint64>();
    QTest::newRow("null-element") << QByteArray("[null]") << S::BadEvent << QStringList() << QList<qint64>();
}

void TestCodec::eventList()
{
    QFETCH(QByteArray, text);
    QFETCH(EventParse::Status, status);
    QFETCH(QStringList, types);
    QFETCH(QList<qint64>, seqs);

    const EventListParse r = parseEventList(text);
    QVERIFY2(r.status == status, qPrintable(QStringLiteral("status %1, expected %2 (%3)")
                                                .arg(int(r.status)).arg(int(status)).arg(r.error)));
    if (status != EventParse::Status::Ok) {
        QVERIFY(!r.error.isEmpty());
        return;
    }
    QCOMPARE(r.events.size(), types.size());
    for (int i = 0; i < types.size(); ++i) {
        QCOMPARE(eventTypeName(r.events.at(i).type), types.at(i));
        QCOMPARE(r.events.at(i).seq, seqs.at(i));
    }
}

void TestCodec::eventListFromDevice()
{
    const QList<Event> events = {Event::gap(QStringLiteral("main"), 1, 9),
                                 message(QStringLiteral("main"), 10, QStringLiteral("c"), 77, json(R"({"k":"v"})")),
                                 leave(QStringLiteral("main"), 11, QStringLiteral("c"))};
    QByteArray text = "[";
    for (const Event &e : events)
        text += (text.size() > 1 ? "," : "") + e.toJson();
    text += "]";
    QBuffer buffer(&text);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    const EventListParse r = parseEventList(&buffer);
    QCOMPARE(r.status, EventParse::Status::Ok);
    QCOMPARE(r.events.size(), events.size());
    for (int i = 0; i < events.size(); ++i)
        QVERIFY2(mismatch(r.events.at(i), events.at(i)).isEmpty(), qPrintable(mismatch(r.events.at(i), events.at(i))));
}

void TestCodec::names_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("main") << "main" << true;
    QTest::newRow("one-char") << "a" << true;
    QTest::newRow("digits") << "0123456789" << true;
    QTest::newRow("mixed-case") << "RoomA9z" << true;
    QTest::newRow("punctuation") << "a_b.c-d" << true;
    QTest::newRow("only-punctuation") << "_.-" << true;
    QTest::newRow("64-chars") << QString(64, QLatin1Char('x')) << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("65-chars") << QString(65, QLatin1Char('x')) << false;
    QTest::newRow("space") << "a b" << false;
    QTest::newRow("leading-space") << " main" << false;
    QTest::newRow("slash") << "a/b" << false;
    QTest::newRow("backslash") << "a\\b" << false;
    QTest::newRow("colon") << "a:b" << false;
    QTest::newRow("percent") << "a%20b" << false;
    QTest::newRow("plus") << "a+b" << false;
    QTest::newRow("cyrillic") << QString::fromUtf8(u8"канал") << false;
    QTest::newRow("accent") << QString::fromUtf8(u8"café") << false;
    QTest::newRow("emoji") << QString::fromUtf8(u8"🎉") << false;
    QTest::newRow("newline-inside") << "a\nb" << false;
    QTest::newRow("trailing-newline") << "main\n" << false;
    QTest::newRow("nul") << QString(QLatin1String("a\0b", 3)) << false;
}

void TestCodec::names()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(isValidChannel(name), valid);
    QCOMPARE(isValidClientId(name), valid);
}

void TestCodec::subscribeQuery_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<SubscribeParse::Status>("status");
    QTest::addColumn<QString>("channel");
    QTest::addColumn<QString>("clientId");
    QTest::addColumn<qint64>("since");
    QTest::addColumn<QString>("errorCode");

    using S = SubscribeParse::Status;
    QTest::newRow("defaults") << "" << S::Ok << "main" << "" << qint64(-1) << "";
    QTest::newRow("other-param-ignored") << "x=1" << S::Ok << "main" << "" << qint64(-1) << "";
    QTest::newRow("all") << "channel=room.1&clientId=c7f3-x&since=41" << S::Ok << "room.1" << "c7f3-x" << qint64(41) << "";
    QTest::newRow("since-0") << "since=0" << S::Ok << "main" << "" << qint64(0) << "";
    QTest::newRow("since-2^53") << "since=9007199254740992" << S::Ok << "main" << "" << (qint64(1) << 53) << "";
    QTest::newRow("percent-channel") << "channel=my%2Droom%5F1" << S::Ok << "my-room_1" << "" << qint64(-1) << "";
    QTest::newRow("percent-clientId") << "clientId=%61%62" << S::Ok << "main" << "ab" << qint64(-1) << "";
    QTest::newRow("since-minus-1") << "since=-1" << S::BadSince << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("since-abc") << "since=abc" << S::BadSince << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("since-empty") << "since=" << S::BadSince << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("since-fraction") << "since=1.5" << S::BadSince << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("since-2^53+1") << "since=9007199254740993" << S::BadSince << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("since-2^60") << "since=1152921504606846976" << S::BadSince << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("since-overflow") << "since=99999999999999999999999" << S::BadSince << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("channel-empty") << "channel=" << S::BadChannel << "" << "" << qint64(0) << "bad_channel";
    QTest::newRow("channel-space") << "channel=a%20b" << S::BadChannel << "" << "" << qint64(0) << "bad_channel";
    QTest::newRow("channel-slash") << "channel=a%2Fb" << S::BadChannel << "" << "" << qint64(0) << "bad_channel";
    QTest::newRow("channel-cyrillic") << "channel=%D0%BA" << S::BadChannel << "" << "" << qint64(0) << "bad_channel";
    QTest::newRow("channel-too-long") << ("channel=" + QString(65, QLatin1Char('c'))) << S::BadChannel << "" << ""
                                      << qint64(0) << "bad_channel";
    QTest::newRow("channel-trailing-newline") << "channel=main%0A" << S::BadChannel << "" << "" << qint64(0) << "bad_channel";
    QTest::newRow("presence-x") << "presence=yes" << S::BadPresence << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("presence-empty") << "presence=" << S::BadPresence << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("clientId-bad") << "clientId=a%2Fb" << S::BadClientId << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("clientId-empty") << "clientId=" << S::BadClientId << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("clientId-too-long") << ("clientId=" + QString(65, QLatin1Char('i'))) << S::BadClientId << "" << ""
                                       << qint64(0) << "bad_request";
    QTest::newRow("channel-twice") << "channel=a&channel=b" << S::Duplicate << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("channel-twice-same") << "channel=a&channel=a" << S::Duplicate << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("clientId-twice") << "clientId=a&since=1&clientId=b" << S::Duplicate << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("since-twice") << "since=1&since=2" << S::Duplicate << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("presence-twice") << "presence=0&presence=1" << S::Duplicate << "" << "" << qint64(0) << "bad_request";
    QTest::newRow("unknown-twice-ignored") << "x=1&x=2" << S::Ok << "main" << "" << qint64(-1) << "";
}

void TestCodec::subscribeQuery()
{
    QFETCH(QString, query);
    QFETCH(SubscribeParse::Status, status);
    QFETCH(QString, channel);
    QFETCH(QString, clientId);
    QFETCH(qint64, since);
    QFETCH(QString, errorCode);

    const SubscribeParse r = parseSubscribeQuery(QUrlQuery(query));
    QVERIFY2(r.status == status, qPrintable(QStringLiteral("status %1, expected %2 (%3)")
                                                .arg(int(r.status)).arg(int(status)).arg(r.error)));
    if (status != SubscribeParse::Status::Ok) {
        QVERIFY(!r.error.isEmpty());
        QCOMPARE(r.errorCode(), errorCode);
        return;
    }
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.query.channel, channel);
    QCOMPARE(r.query.clientId, clientId);
    QCOMPARE(r.query.since, since);
    QVERIFY(r.query.presence); // none of the accepted rows turn it off
}

void TestCodec::presenceQuery_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<bool>("presence");
    QTest::newRow("absent") << "channel=main" << true;
    QTest::newRow("zero") << "presence=0" << false;
    QTest::newRow("false") << "presence=false&since=3" << false;
    QTest::newRow("one") << "presence=1" << true;
    QTest::newRow("true") << "presence=true" << true;
}

void TestCodec::presenceQuery()
{
    QFETCH(QString, query);
    QFETCH(bool, presence);
    const SubscribeParse r = parseSubscribeQuery(QUrlQuery(query));
    QCOMPARE(r.status, SubscribeParse::Status::Ok);
    QCOMPARE(r.query.presence, presence);
}

void TestCodec::fastMatchesFull_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("ok");
    const Event join = ::join(QStringLiteral("room.1"), 43, QStringLiteral("a91e-x"), QStringLiteral("comet"));
    const Event leave = ::leave(QStringLiteral("room.1"), 9007199254740992, QStringLiteral("a91e-x"));
    QTest::newRow("join-as-written") << join.toJson() << true;
    QTest::newRow("leave-as-written") << leave.toJson() << true;
    QTest::newRow("message") << Event::gap(QStringLiteral("main"), 3, 9).toJson() << true;
    QTest::newRow("join-other-order") << QByteArray(R"({"type":"join","seq":4,"channel":"main","clientId":"c1","transport":"ws"})") << true;
    QTest::newRow("join-escaped-id") << QByteArray(R"({"type":"join","channel":"main","seq":4,"clientId":"c\u0031","transport":"ws"})") << true;
    QTest::newRow("join-extra-field") << QByteArray(R"({"type":"join","channel":"main","seq":4,"clientId":"c1","transport":"ws","x":{"y":1}})") << true;
    QTest::newRow("join-no-seq") << QByteArray(R"({"type":"join","channel":"main","clientId":"c1"})") << false;
    QTest::newRow("join-bad-channel") << QByteArray(R"({"type":"join","channel":"a b","seq":4,"clientId":"c1"})") << false;
    QTest::newRow("join-truncated") << QByteArray(R"({"type":"join","channel":"main","seq":4,"clientId":"c1")") << false;
    QTest::newRow("not-json") << QByteArray("join") << false;
    // Found by fuzz_events: the fast path read fields by searching for their keys, so it
    // accepted broken JSON, and read other numbers than the parser.
    QTest::newRow("fuzz-key-inside-garbage") << QByteArray(R"({"type":"join","channel":"main","seq":5,"clientId":"c1",""ts":transport":"websocket"})") << false;
    QTest::newRow("join-fraction-seq") << QByteArray(R"({"type":"join","channel":"main","seq":5.5,"clientId":"c1","transport":"ws"})") << false;
    QTest::newRow("join-exponent-seq") << QByteArray(R"({"type":"join","channel":"main","seq":5e1,"clientId":"c1","transport":"ws"})") << true;
    QTest::newRow("join-17-digit-seq") << QByteArray(R"({"type":"join","channel":"main","seq":12345678901234567,"clientId":"c1","transport":"ws"})") << false;
    QTest::newRow("join-repeated-seq") << QByteArray(R"({"type":"join","channel":"main","seq":5,"clientId":"c1","transport":"ws","seq":6})") << true;
    QTest::newRow("leave-trailing-garbage") << QByteArray(R"({"type":"leave","channel":"main","seq":5,"clientId":"c1"}})") << false;
}

void TestCodec::fastMatchesFull()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, ok);
    const EventParse full = parseEvent(json);
    const EventParse fast = parseEventFast(json);
    QCOMPARE(fast.status == EventParse::Status::Ok, ok);
    QCOMPARE(full.status == EventParse::Status::Ok, ok);
    if (ok)
        QCOMPARE(fast.event.toJson(), full.event.toJson());
}

void TestCodec::fastListMatchesFull_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("ok");
    const Event join = ::join(QStringLiteral("main"), 5, QStringLiteral("c1"), QStringLiteral("ws"));
    const Event message = ::message(QStringLiteral("main"), 6, QStringLiteral("c1"), 1764000000123,
                                    QJsonValue(QStringLiteral("a,]}[{\"b")));
    QTest::newRow("empty") << QByteArray("[]") << true;
    QTest::newRow("empty-spaced") << QByteArray(" [ ] ") << true;
    QTest::newRow("mixed") << ("[" + join.toJson() + "," + message.toJson() + "," + Event::gap(QStringLiteral("main"), 1, 2).toJson() + "]") << true;
    QTest::newRow("spaces") << ("[ " + join.toJson() + " ,\n " + join.toJson() + " ]") << true;
    QTest::newRow("nested-data") << QByteArray(R"([{"type":"message","channel":"main","seq":1,"from":"c","ts":1,"data":[1,{"a":[2,"]"]}]}])") << true;
    QTest::newRow("not-array") << join.toJson() << false;
    QTest::newRow("trailing-comma") << ("[" + join.toJson() + ",]") << false;
    QTest::newRow("leading-comma") << ("[," + join.toJson() + "]") << false;
    QTest::newRow("unclosed") << ("[" + join.toJson()) << false;
    QTest::newRow("garbage-after") << ("[" + join.toJson() + "]x") << false;
    QTest::newRow("number-element") << QByteArray("[1]") << false;
}

void TestCodec::fastListMatchesFull()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, ok);
    const EventListParse full = parseEventList(json);
    const EventListParse fast = parseEventListFast(json);
    QCOMPARE(full.status == EventParse::Status::Ok, ok);
    QCOMPARE(fast.status == EventParse::Status::Ok, ok);
    if (!ok)
        return;
    QCOMPARE(fast.events.size(), full.events.size());
    for (int i = 0; i < full.events.size(); ++i)
        QCOMPARE(fast.events.at(i).toJson(), full.events.at(i).toJson());
}

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
