// Contract: what a node or the broker reads from the bus (any bytes on the TCP stream):
// bus::readLine splits a device's bytes into lines of at most maxBytes, without newlines,
// consuming exactly the line and its newline, and says TooLong rather than buffering past
// the bound; decodeEvent and decodeHistory never crash, and what they accept is sound: a
// relayed event is sequenced, and the JSON a node will send to every client (spliced from
// the line) is one JSON object that reads back as the decoded event. Accepted frames
// round-trip through encodeEventLine / encodeHistoryLine / encodeRejectedLine /
// encodeDuplicateLine; a publish's id is a valid one. What the broker reads from nodes
// (decodePublish, decodeHistoryRequest) is sound too: a publish it accepts becomes an event
// that reads back, relayed and inside a history reply.
#include "fuzzcheck.h"

#include "bus/busframe.h"
#include "protocol/codec.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using namespace duplex;
using namespace duplex::bus;

namespace {

QJsonObject frameOf(const QByteArray &line)
{
    return QJsonDocument::fromJson(line).object();
}

bool isName(const QString &text)
{
    return protocol::isValidChannel(text);
}

void checkEvent(const QByteArray &line, const QJsonObject &frame)
{
    RelayedEvent relayed;
    QString error;
    if (!decodeEvent(line, frame, &relayed, &error)) {
        FUZZ_CHECK(!error.isEmpty(), "a refused event frame without a reason");
        return;
    }
    FUZZ_CHECK(relayed.sequenced.event.isSequenced(), "relayed an event that takes no seq");
    const protocol::EventParse cached = protocol::parseEvent(relayed.sequenced.json);
    FUZZ_CHECK(cached.status == protocol::EventParse::Status::Ok, "the cached JSON of a relayed event is not an event");
    FUZZ_CHECK(cached.event.toJson() == relayed.sequenced.event.toJson(), "the cached JSON says another event than was decoded");

    if (!isName(relayed.origin))
        return; // encodeEventLine takes node names only
    const QByteArray again = encodeEventLine(relayed.sequenced, relayed.origin, relayed.ref);
    FUZZ_CHECK(again.endsWith('\n'), "an event line without its newline");
    const QByteArray againLine = again.left(again.size() - 1);
    RelayedEvent back;
    FUZZ_CHECK(decodeEvent(againLine, frameOf(againLine), &back, &error), "an encoded event line does not decode");
    FUZZ_CHECK(back.origin == relayed.origin && back.ref == relayed.ref, "origin or ref changed on the way");
    FUZZ_CHECK(back.sequenced.json == relayed.sequenced.json, "the event changed on the way");
}

void checkHistory(const QByteArray &line, const QJsonObject &frame)
{
    HistoryReply reply;
    QString error;
    if (!decodeHistory(line, frame, &reply, &error)) {
        FUZZ_CHECK(!error.isEmpty(), "a refused history frame without a reason");
        return;
    }
    FUZZ_CHECK(reply.ref >= 0 && reply.head >= 0 && isName(reply.channel), "accepted a history reply without ref, head or channel");
    for (const protocol::Sequenced &s : reply.range.events) {
        FUZZ_CHECK(s.event.isSequenced(), "a history event that takes no seq");
        const protocol::EventParse cached = protocol::parseEvent(s.json);
        FUZZ_CHECK(cached.status == protocol::EventParse::Status::Ok, "the cached JSON of a history event is not an event");
        FUZZ_CHECK(cached.event.toJson() == s.event.toJson(), "the cached JSON says another event than was decoded");
    }

    const QByteArray again = encodeHistoryLine(reply.ref, reply.channel, reply.head, reply.range);
    HistoryReply back;
    const QByteArray againLine = again.left(again.size() - 1);
    FUZZ_CHECK(decodeHistory(againLine, frameOf(againLine), &back, &error), "an encoded history line does not decode");
    FUZZ_CHECK(back.ref == reply.ref && back.channel == reply.channel && back.head == reply.head
                   && back.range.more == reply.range.more && back.range.gapFrom == reply.range.gapFrom
                   && (!reply.range.hasGap() || back.range.gapTo == reply.range.gapTo),
               "a history reply changed on the way");
    FUZZ_CHECK(back.range.events.size() == reply.range.events.size(), "history events lost on the way");
    for (size_t i = 0; i < back.range.events.size(); ++i)
        FUZZ_CHECK(back.range.events[i].json == reply.range.events[i].json, "a history event changed on the way");
}

// What the broker reads from a node: a publish it sequences must give an event every node
// and client can read back, alone and inside a history reply.
void checkPublish(const QJsonObject &frame)
{
    PublishFrame publish;
    if (!decodePublish(frame, &publish))
        return;
    const protocol::Event &event = publish.event;
    FUZZ_CHECK(event.isSequenced() && isName(event.channel) && !event.clientId.isEmpty(),
               "accepted a publish without a sequenced type, a channel or a client");
    FUZZ_CHECK(event.type != protocol::EventType::Join || !event.transport.isEmpty(), "accepted a join without a transport");
    if (!publish.idJson.isEmpty()) {
        const QJsonValue id = QJsonDocument::fromJson('[' + publish.idJson + ']').array().at(0);
        FUZZ_CHECK(protocol::isValidPublishId(id), "a publish id that is not a string of at most 128 characters or a number");
    }

    log::ChannelLog log(4);
    const protocol::Sequenced &sequenced = log.sequence(event);
    const protocol::EventParse back = protocol::parseEvent(sequenced.json);
    FUZZ_CHECK(back.status == protocol::EventParse::Status::Ok, "the broker sequenced an event nobody can read");
    FUZZ_CHECK(back.event.toJson() == sequenced.json, "a sequenced event reads back as another");
    const QByteArray relayed = encodeEventLine(sequenced, QStringLiteral("ws-1"), publish.ref);
    RelayedEvent relayedBack;
    QString error;
    const QByteArray relayedLine = relayed.left(relayed.size() - 1);
    FUZZ_CHECK(decodeEvent(relayedLine, frameOf(relayedLine), &relayedBack, &error), "a relayed publish does not decode");
    const QByteArray history = encodeHistoryLine(1, event.channel, log.head(), log.since(0));
    HistoryReply reply;
    const QByteArray historyLine = history.left(history.size() - 1);
    FUZZ_CHECK(decodeHistory(historyLine, frameOf(historyLine), &reply, &error) && reply.range.events.size() == 1,
               "a history reply holding a published event does not decode");
}

// A rejected publish: its ref and reason read back as written.
void checkRejected(const QJsonObject &frame)
{
    RejectedPublish rejected;
    if (!decodeRejected(frame, &rejected))
        return;
    FUZZ_CHECK(rejected.ref >= 0, "accepted a rejected frame without a ref");
    const QByteArray again = encodeRejectedLine(rejected.ref, rejected.reason);
    RejectedPublish back;
    FUZZ_CHECK(decodeRejected(frameOf(again.left(again.size() - 1)), &back), "an encoded rejected line does not decode");
    FUZZ_CHECK(back.ref == rejected.ref && back.reason == rejected.reason, "a rejected frame changed on the way");
}

// A duplicate answer: its ref and seq read back as written.
void checkDuplicate(const QJsonObject &frame)
{
    DuplicatePublish duplicate;
    if (!decodeDuplicate(frame, &duplicate))
        return;
    FUZZ_CHECK(duplicate.ref >= 0 && duplicate.seq > 0, "accepted a duplicate frame without a ref or a seq");
    const QByteArray again = encodeDuplicateLine(duplicate.ref, duplicate.seq);
    DuplicatePublish back;
    FUZZ_CHECK(decodeDuplicate(frameOf(again.left(again.size() - 1)), &back), "an encoded duplicate line does not decode");
    FUZZ_CHECK(back.ref == duplicate.ref && back.seq == duplicate.seq, "a duplicate frame changed on the way");
}

void checkHistoryRequest(const QJsonObject &frame)
{
    HistoryRequest request;
    if (!decodeHistoryRequest(frame, &request))
        return;
    FUZZ_CHECK(isName(request.channel) && request.since >= 0 && request.limit >= 0, "accepted a malformed history request");
    log::ChannelLog log(8);
    for (int i = 0; i < 3; ++i)
        log.sequence(protocol::Event::leave(request.channel, QStringLiteral("c1")));
    const log::ChannelLog::Range range = log.since(request.since, request.limit);
    FUZZ_CHECK(qint64(range.events.size()) <= request.limit, "more events than the request's limit");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    // The first byte picks the line bound: small ones so TooLong is reached.
    const qint64 maxBytes = data[0] < 128 ? qint64(data[0]) : kMaxLineBytes;
    QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    QBuffer device(&input);
    device.open(QIODevice::ReadOnly);

    qint64 consumed = 0;
    for (;;) {
        const qint64 before = device.pos();
        const LineRead read = readLine(&device, maxBytes);
        if (read.status == LineRead::Status::NeedMore) {
            FUZZ_CHECK(device.pos() == before, "NeedMore consumed bytes");
            FUZZ_CHECK(device.bytesAvailable() <= maxBytes, "NeedMore with more than a line's bound buffered");
            FUZZ_CHECK(!input.mid(before).contains('\n'), "NeedMore with a whole line buffered");
            break;
        }
        if (read.status == LineRead::Status::TooLong)
            break; // the connection is dropped: nothing more is read
        FUZZ_CHECK(read.line.size() <= maxBytes, "a line past the bound");
        FUZZ_CHECK(!read.line.contains('\n'), "a line holding a newline");
        FUZZ_CHECK(input.mid(consumed, read.line.size() + 1) == read.line + '\n', "a line that is not the next bytes");
        consumed += read.line.size() + 1;
        FUZZ_CHECK(device.pos() == consumed, "a line consumed more or less than itself");

        const QJsonObject frame = frameOf(read.line);
        checkEvent(read.line, frame);
        checkHistory(read.line, frame);
        checkPublish(frame);
        checkHistoryRequest(frame);
        checkRejected(frame);
        checkDuplicate(frame);
    }
    return 0;
}
