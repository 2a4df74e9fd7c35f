#include "bus/busframe.h"

#include "protocol/codec.h"
#include "protocol/jsonbrackets.h"

#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>

namespace duplex::bus {

QByteArray encodeLine(const QJsonObject &frame)
{
    return QJsonDocument(frame).toJson(QJsonDocument::Compact) + '\n';
}

LineRead readLine(QIODevice *device, qint64 maxBytes)
{
    LineRead r;
    if (device->canReadLine()) {
        // Read whole, then measured: Qt 6.4's readLine(n) allocates n bytes for every line,
        // however short (16 MiB here: about 0.6 ms a line, a ceiling of ~1600 bus frames a
        // second). The line is in the device's buffer already, so this holds no more memory.
        QByteArray line = device->readLine();
        line.chop(1);
        if (line.size() > maxBytes) {
            r.status = LineRead::Status::TooLong;
            return r;
        }
        r.status = LineRead::Status::Line;
        r.line = std::move(line);
        return r;
    }
    if (device->bytesAvailable() > maxBytes)
        r.status = LineRead::Status::TooLong;
    return r;
}

namespace {
// What encodeEventLine() writes before the event; the event and a closing brace follow.
QByteArray eventLinePrefix(const QString &origin, qint64 ref)
{
    // Origin names are validated node names ([A-Za-z0-9_.-]), so they need no escaping.
    return R"({"op":"event","origin":")" + origin.toUtf8() + R"(","ref":)" + QByteArray::number(ref)
        + R"(,"event":)";
}

// Whether `json` (taken from valid JSON) is exactly one object: it opens with '{' and the
// brace that closes it is its last byte. A line with a repeated key after the event
// (`…,"event":{…},"event":{…}}`) has the prefix and the closing brace too, but the
// bytes between them are more than the event the parser kept.
bool isOneObject(QByteArrayView json)
{
    if (json.isEmpty() || json.front() != '{')
        return false;
    protocol::JsonBrackets brackets;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (brackets.step(c) == 0 && !brackets.inString() && (c == '}' || c == ']'))
            return i == json.size() - 1;
    }
    return false;
}

// What encodeHistoryLine() writes before the events; the events and `]}` follow.
QByteArray historyLinePrefix(qint64 ref, const QString &channel, qint64 head, const log::ChannelLog::Range &range)
{
    // Channel names are validated ([A-Za-z0-9_.-]), so they need no escaping.
    QByteArray prefix = R"({"op":"history","ref":)" + QByteArray::number(ref) + R"(,"channel":")"
        + channel.toUtf8() + R"(","head":)" + QByteArray::number(head);
    if (range.hasGap())
        prefix += R"(,"gapFrom":)" + QByteArray::number(range.gapFrom) + R"(,"gapTo":)"
            + QByteArray::number(range.gapTo);
    prefix += range.more ? R"(,"more":true,"events":[)" : R"(,"more":false,"events":[)";
    return prefix;
}

// The elements of an array's body (the bytes between its brackets, from valid JSON) when
// each is exactly one object and they are separated by bare commas; empty otherwise (and
// for an empty body).
QList<QByteArrayView> objectsOf(QByteArrayView body)
{
    if (body.isEmpty())
        return {};
    QList<QByteArrayView> objects;
    protocol::JsonBrackets brackets;
    qsizetype start = 0;
    for (qsizetype i = 0; i < body.size(); ++i) {
        if (brackets.step(body[i]) == 0 && !brackets.inString() && body[i] == ',') {
            objects << body.sliced(start, i - start);
            start = i + 1;
        }
    }
    objects << body.sliced(start);
    for (const QByteArrayView object : objects) {
        if (!isOneObject(object))
            return {};
    }
    return objects;
}
} // namespace

QByteArray encodeEventLine(const protocol::Sequenced &sequenced, const QString &origin, qint64 ref)
{
    QByteArray line = eventLinePrefix(origin, ref);
    line.reserve(line.size() + sequenced.json.size() + 2);
    line += sequenced.json;
    line += "}\n";
    return line;
}

bool decodeEvent(const QByteArray &line, const QJsonObject &frame, RelayedEvent *relayed, QString *error)
{
    const protocol::EventParse parsed = protocol::parseEvent(frame.value(QStringLiteral("event")).toObject());
    if (parsed.status != protocol::EventParse::Status::Ok || !parsed.event.isSequenced()) {
        *error = QStringLiteral("the broker relayed a malformed event: %1").arg(parsed.error);
        return false;
    }
    relayed->origin = frame.value(QStringLiteral("origin")).toString();
    relayed->ref = frame.value(QStringLiteral("ref")).toInteger();
    // The line is valid JSON: with encodeEventLine()'s prefix, no field but its four and
    // one object after the prefix, the event is everything between the prefix and the
    // closing brace.
    const QByteArray prefix = eventLinePrefix(relayed->origin, relayed->ref);
    const QByteArrayView event = frame.size() == 4 && line.startsWith(prefix) && line.endsWith('}')
        ? QByteArrayView(line).sliced(prefix.size(), line.size() - prefix.size() - 1)
        : QByteArrayView();
    if (isOneObject(event))
        relayed->sequenced = {parsed.event, event.toByteArray()};
    else
        relayed->sequenced = protocol::Sequenced::from(parsed.event);
    return true;
}

QByteArray encodeHistoryLine(qint64 ref, const QString &channel, qint64 head,
                             const log::ChannelLog::Range &range)
{
    QByteArray line = historyLinePrefix(ref, channel, head, range);
    bool first = true;
    for (const protocol::Sequenced &s : range.events) {
        if (!first)
            line += ',';
        first = false;
        line += s.json;
    }
    line += "]}\n";
    return line;
}

bool decodeHistory(const QByteArray &line, const QJsonObject &frame, HistoryReply *reply, QString *error)
{
    reply->ref = frame.value(QStringLiteral("ref")).toInteger(-1);
    reply->channel = frame.value(QStringLiteral("channel")).toString();
    reply->head = frame.value(QStringLiteral("head")).toInteger(-1);
    reply->range.gapFrom = frame.value(QStringLiteral("gapFrom")).toInteger(0);
    reply->range.gapTo = frame.value(QStringLiteral("gapTo")).toInteger(0);
    reply->range.more = frame.value(QStringLiteral("more")).toBool();
    if (reply->ref < 0 || reply->head < 0 || !protocol::isValidChannel(reply->channel)) {
        *error = QStringLiteral("history reply without ref, head or channel");
        return false;
    }
    const QJsonArray events = frame.value(QStringLiteral("events")).toArray();
    // Laid out as encodeHistoryLine() writes it (its prefix, its keys and no other, the
    // events, `]}`), the events' bytes are the broker's and are kept, as decodeEvent keeps
    // a relayed one's; any other layout is encoded afresh.
    const QByteArray prefix = historyLinePrefix(reply->ref, reply->channel, reply->head, reply->range);
    const qsizetype keys = reply->range.hasGap() ? 8 : 6;
    const QList<QByteArrayView> spliced = frame.size() == keys && line.startsWith(prefix) && line.endsWith("]}")
        ? objectsOf(QByteArrayView(line).sliced(prefix.size(), line.size() - prefix.size() - 2))
        : QList<QByteArrayView>();
    const bool keep = spliced.size() == events.size();
    reply->range.events.reserve(size_t(events.size()));
    for (qsizetype i = 0; i < events.size(); ++i) {
        const protocol::EventParse parsed = protocol::parseEvent(events.at(i).toObject());
        if (parsed.status != protocol::EventParse::Status::Ok || !parsed.event.isSequenced()) {
            *error = QStringLiteral("history reply with a bad event: %1").arg(parsed.error);
            return false;
        }
        if (keep)
            reply->range.events.push_back({parsed.event, spliced.at(i).toByteArray()});
        else
            reply->range.events.push_back(protocol::Sequenced::from(parsed.event));
    }
    return true;
}

QByteArray encodeRejectedLine(qint64 ref, const QString &reason)
{
    return encodeLine({{QStringLiteral("op"), QStringLiteral("rejected")},
                       {QStringLiteral("ref"), ref},
                       {QStringLiteral("reason"), reason}});
}

bool decodeRejected(const QJsonObject &frame, RejectedPublish *rejected)
{
    rejected->ref = frame.value(QStringLiteral("ref")).toInteger(-1);
    rejected->reason = frame.value(QStringLiteral("reason")).toString();
    return rejected->ref >= 0;
}

QByteArray encodeDuplicateLine(qint64 ref, qint64 seq)
{
    return encodeLine({{QStringLiteral("op"), QStringLiteral("duplicate")},
                       {QStringLiteral("ref"), ref},
                       {QStringLiteral("seq"), seq}});
}

bool decodeDuplicate(const QJsonObject &frame, DuplicatePublish *duplicate)
{
    duplicate->ref = frame.value(QStringLiteral("ref")).toInteger(-1);
    duplicate->seq = frame.value(QStringLiteral("seq")).toInteger(0);
    return duplicate->ref >= 0 && duplicate->seq > 0;
}

bool decodePublish(const QJsonObject &frame, PublishFrame *publish)
{
    publish->ref = frame.value(QStringLiteral("ref")).toInteger(0);
    publish->idJson.clear();
    const QJsonValue id = frame.value(QStringLiteral("id"));
    if (!id.isUndefined()) {
        if (!protocol::isValidPublishId(id))
            return false;
        // The id alone, compact: its array's brackets taken off.
        publish->idJson = QJsonDocument(QJsonArray{id}).toJson(QJsonDocument::Compact).chopped(1).sliced(1);
    }
    const QJsonObject object = frame.value(QStringLiteral("event")).toObject();
    protocol::Event &event = publish->event;
    event = {};
    event.channel = object.value(QStringLiteral("channel")).toString();
    const QString type = object.value(QStringLiteral("type")).toString();
    bool ok = protocol::isValidChannel(event.channel) && protocol::eventTypeFromName(type, &event.type)
        && event.isSequenced();
    if (ok && event.type == protocol::EventType::Message) {
        event.clientId = object.value(QStringLiteral("from")).toString();
        event.data = object.value(QStringLiteral("data"));
        ok = !event.clientId.isEmpty() && object.contains(QStringLiteral("data"));
    } else if (ok) {
        event.clientId = object.value(QStringLiteral("clientId")).toString();
        event.transport = object.value(QStringLiteral("transport")).toString();
        ok = !event.clientId.isEmpty()
            && (event.type == protocol::EventType::Leave || !event.transport.isEmpty());
    }
    return ok;
}

bool decodeHistoryRequest(const QJsonObject &frame, HistoryRequest *request)
{
    request->ref = frame.value(QStringLiteral("ref")).toInteger(0);
    request->channel = frame.value(QStringLiteral("channel")).toString();
    request->since = frame.value(QStringLiteral("since")).toInteger(-1);
    request->limit = frame.value(QStringLiteral("limit")).toInt(1000);
    return protocol::isValidChannel(request->channel) && request->since >= 0 && request->limit >= 0;
}

} // namespace duplex::bus
