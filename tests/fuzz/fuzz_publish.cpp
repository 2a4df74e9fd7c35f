// Contract: protocol::parseWebSocketFrame and parseCometBody take any bytes a client sends.
// They never crash; TooLarge exactly when the bytes exceed the limit; Ok only for valid
// UTF-8; text not starting with '{' is published as itself; and whatever they accept
// survives the later hops: the message event, inside a bus history reply (two levels
// deeper), is still readable JSON that decodes to the same data (the poison message of
// issue 13 was accepted here and then unreadable there).
#include "fuzzcheck.h"

#include "protocol/codec.h"
#include "protocol/event.h"
#include "protocol/inputpolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using namespace duplex::protocol;

namespace {

void checkAccepted(const QByteArray &input, const PublishParse &parsed)
{
    FUZZ_CHECK(isValidUtf8(input), "accepted a publish that is not valid UTF-8");
    if (!input.startsWith('{'))
        FUZZ_CHECK(parsed.request.data == QJsonValue(QString::fromUtf8(input)), "plain text published as something else");

    Event event = Event::published(QStringLiteral("main"), QStringLiteral("c1"), parsed.request.data);
    event.seq = 1;
    event.ts = 1;
    const QByteArray json = event.toJson();
    // How the broker wraps it in a history reply: {"op":"history",...,"events":[event]}.
    const QByteArray reply = R"({"op":"history","ref":1,"channel":"main","head":1,"more":false,"events":[)" + json + "]}";
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(reply, &error);
    FUZZ_CHECK(error.error == QJsonParseError::NoError, "an accepted publish makes an unreadable history reply");
    const EventParse back = parseEvent(doc.object().value(QStringLiteral("events")).toArray().at(0).toObject());
    FUZZ_CHECK(back.status == EventParse::Status::Ok, "an accepted publish makes an unreadable event");
    FUZZ_CHECK(back.event.data == parsed.request.data, "an accepted publish comes back as other data");
}

void check(const QByteArray &input, qint64 maxBytes, const PublishParse &parsed)
{
    FUZZ_CHECK((parsed.status == PublishParse::Status::TooLarge) == (input.size() > maxBytes),
               "TooLarge not exactly when the input exceeds the limit");
    FUZZ_CHECK((parsed.status == PublishParse::Status::Ok) == parsed.error.isEmpty(), "an error without a reason, or a reason without an error");
    if (parsed.status == PublishParse::Status::Ok)
        checkAccepted(input, parsed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    // The default limit, and a small one so the boundary is crossed often.
    for (const qint64 maxBytes : {kDefaultMaxMessageBytes, qint64(64)}) {
        const PublishParse frame = parseWebSocketFrame(input, maxBytes);
        check(input, maxBytes, frame);
        if (frame.status == PublishParse::Status::Ok && frame.request.id != QJsonValue(QJsonValue::Undefined))
            FUZZ_CHECK(frame.request.id.isDouble() || (frame.request.id.isString() && frame.request.id.toString().size() <= 128),
                       "a frame's id is neither a number nor a short string");
        check(input, maxBytes, parseCometBody(input, maxBytes));
    }
    return 0;
}
