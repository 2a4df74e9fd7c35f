#include "protocol/codec.h"

#include "protocol/inputpolicy.h"
#include "util/jsonnumber.h"

#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QUrlQuery>

#include <cstring>


namespace duplex::protocol {

namespace {

bool matchesName(const QString &value)
{
    // Anchored as a whole: a bare `$` would also accept a trailing newline.
    static const QRegularExpression re(QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9_.-]{1,64}")));
    return re.match(value).hasMatch();
}

PublishParse tooLarge(qint64 size, qint64 maxBytes)
{
    PublishParse r;
    r.status = PublishParse::Status::TooLarge;
    r.error = QStringLiteral("message of %1 bytes exceeds the limit of %2 bytes").arg(size).arg(maxBytes);
    return r;
}

PublishParse badJson(const QString &error)
{
    PublishParse r;
    r.status = PublishParse::Status::BadJson;
    r.error = error;
    return r;
}

QJsonObject parseObject(const QByteArray &utf8, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8, &pe);
    if (pe.error != QJsonParseError::NoError) {
        *error = QStringLiteral("invalid JSON at offset %1: %2").arg(pe.offset).arg(pe.errorString());
        return {};
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("expected a JSON object");
        return {};
    }
    return doc.object();
}

bool startsWithBrace(const QByteArray &utf8)
{
    return !utf8.isEmpty() && utf8.at(0) == '{';
}

PublishParse plainText(const QByteArray &utf8)
{
    PublishParse r;
    r.request.data = QString::fromUtf8(utf8);
    return r;
}

} // namespace

bool isValidChannel(const QString &channel)
{
    return matchesName(channel);
}

bool isValidClientId(const QString &clientId)
{
    return matchesName(clientId);
}

bool isValidPublishId(const QJsonValue &id)
{
    if (id.isString())
        return id.toString().size() <= 128;
    return id.isDouble();
}

namespace {

// The WebSocket and Comet publish forms differ only in the WebSocket's "type".
enum class PublishForm { WebSocketFrame, CometBody };

PublishParse parsePublish(const QByteArray &utf8, qint64 maxBytes, PublishForm form)
{
    if (utf8.size() > maxBytes)
        return tooLarge(utf8.size(), maxBytes);
    // Decoding would replace bad bytes with U+FFFD and publish something else than was sent.
    if (!isValidUtf8(utf8))
        return badJson(QStringLiteral("the message is not valid UTF-8"));
    if (!startsWithBrace(utf8))
        return plainText(utf8);
    // Before parsing: the parser would take up to 1024 levels, which later hops, wrapping
    // the event deeper, could not read back. The request object is one level.
    const int depth = jsonNestingDepth(utf8, kMaxDataDepth + 1);
    if (depth > kMaxDataDepth + 1)
        return badJson(QStringLiteral("\"data\" nests arrays and objects more than %1 levels deep").arg(kMaxDataDepth));
    QString error;
    const QJsonObject o = parseObject(utf8, &error);
    if (!error.isEmpty())
        return badJson(error);
    if (form == PublishForm::WebSocketFrame && o.value(QStringLiteral("type")) != QJsonValue(QStringLiteral("publish")))
        return badJson(QStringLiteral("\"type\" must be \"publish\""));
    if (!o.contains(QStringLiteral("data")))
        return badJson(QStringLiteral("\"data\" is missing"));
    PublishParse r;
    r.request.data = o.value(QStringLiteral("data"));
    if (o.contains(QStringLiteral("id"))) {
        r.request.id = o.value(QStringLiteral("id"));
        if (!isValidPublishId(r.request.id))
            return badJson(QStringLiteral("\"id\" must be a string of at most 128 characters or a number"));
    }
    return r;
}

} // namespace

PublishParse parseWebSocketFrame(const QByteArray &utf8, qint64 maxBytes)
{
    return parsePublish(utf8, maxBytes, PublishForm::WebSocketFrame);
}

PublishParse parseCometBody(const QByteArray &utf8, qint64 maxBytes)
{
    return parsePublish(utf8, maxBytes, PublishForm::CometBody);
}

QString SubscribeParse::errorCode() const
{
    return status == Status::BadChannel ? QStringLiteral("bad_channel") : QStringLiteral("bad_request");
}

SubscribeParse parseSubscribeQuery(const QUrlQuery &query)
{
    SubscribeParse r;
    // A parameter given twice is refused, not read one way here and another elsewhere:
    // nginx balances on the first clientId, and a proxy on the way might keep the last.
    for (const char *key : {"channel", "clientId", "since", "presence"}) {
        if (query.allQueryItemValues(QLatin1String(key)).size() > 1) {
            r.status = SubscribeParse::Status::Duplicate;
            r.error = QStringLiteral("%1 is given more than once").arg(QLatin1String(key));
            return r;
        }
    }
    if (query.hasQueryItem(QStringLiteral("channel"))) {
        r.query.channel = query.queryItemValue(QStringLiteral("channel"), QUrl::FullyDecoded);
        if (!isValidChannel(r.query.channel)) {
            r.status = SubscribeParse::Status::BadChannel;
            r.error = QStringLiteral("channel must match [A-Za-z0-9_.-]{1,64}");
            return r;
        }
    }
    if (query.hasQueryItem(QStringLiteral("clientId"))) {
        r.query.clientId = query.queryItemValue(QStringLiteral("clientId"), QUrl::FullyDecoded);
        if (!isValidClientId(r.query.clientId)) {
            r.status = SubscribeParse::Status::BadClientId;
            r.error = QStringLiteral("clientId must match [A-Za-z0-9_.-]{1,64}");
            return r;
        }
    }
    if (query.hasQueryItem(QStringLiteral("since"))) {
        const QString text = query.queryItemValue(QStringLiteral("since"), QUrl::FullyDecoded);
        bool ok = false;
        const qint64 since = text.toLongLong(&ok);
        // Seqs stay far below 2^53, where JSON numbers stop being exact integers.
        if (!ok || since < 0 || since > (qint64(1) << 53)) {
            r.status = SubscribeParse::Status::BadSince;
            r.error = QStringLiteral("since must be an integer from 0 to 2^53");
            return r;
        }
        r.query.since = since;
    }
    if (query.hasQueryItem(QStringLiteral("presence"))) {
        const QString text = query.queryItemValue(QStringLiteral("presence"), QUrl::FullyDecoded);
        if (text == QLatin1String("0") || text == QLatin1String("false")) {
            r.query.presence = false;
        } else if (text != QLatin1String("1") && text != QLatin1String("true")) {
            r.status = SubscribeParse::Status::BadPresence;
            r.error = QStringLiteral("presence must be 0 or 1");
            return r;
        }
    }
    return r;
}

EventParse parseEvent(const QByteArray &utf8)
{
    EventParse r;
    QString error;
    const QJsonObject o = parseObject(utf8, &error);
    if (!error.isEmpty()) {
        r.status = EventParse::Status::BadJson;
        r.error = error;
        return r;
    }
    return parseEvent(o);
}

EventParse parseEvent(const QJsonObject &o)
{
    EventParse r;
    auto fail = [&r](const QString &why) {
        r.status = EventParse::Status::BadEvent;
        r.error = why;
        return r;
    };
    Event &e = r.event;
    if (!eventTypeFromName(o.value(QStringLiteral("type")).toString(), &e.type))
        return fail(QStringLiteral("unknown or missing \"type\""));

    const std::vector<EventField> &fields = eventFields(e.type);
    for (const EventField &field : fields) {
        const QJsonValue v = o.value(QLatin1String(field.key));
        bool ok = true;
        switch (field.kind) {
        case EventField::Kind::String:
            ok = v.isString();
            e.*field.text = v.toString();
            break;
        case EventField::Kind::OptionalString:
            e.*field.text = v.toString();
            break;
        case EventField::Kind::Integer:
            // Seqs and times are integers; 1.5 is a malformed event, not 0.
            ok = util::readJsonInteger(v, &(e.*field.number));
            break;
        case EventField::Kind::Value:
            ok = o.contains(QLatin1String(field.key));
            e.*field.value = v;
            break;
        case EventField::Kind::OptionalFlag:
            ok = v.isUndefined() || v.isBool();
            if (v.isBool())
                e.*field.flag = v.toBool();
            break;
        }
        if (!ok) {
            QStringList required;
            for (const EventField &f : fields) {
                if (f.kind != EventField::Kind::OptionalString && f.kind != EventField::Kind::OptionalFlag)
                    required << QLatin1String(f.key);
            }
            const QString last = required.takeLast();
            return fail(QStringLiteral("%1 needs %2").arg(eventTypeName(e.type),
                                                          required.isEmpty() ? last : required.join(QStringLiteral(", ")) + QStringLiteral(" and ") + last));
        }
    }
    return r;
}

EventListParse parseEventList(const QByteArray &utf8)
{
    EventListParse r;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isArray()) {
        r.status = EventParse::Status::BadJson;
        r.error = pe.error != QJsonParseError::NoError ? pe.errorString()
                                                       : QStringLiteral("expected a JSON array");
        return r;
    }
    const QJsonArray array = doc.array();
    r.events.reserve(array.size());
    for (const QJsonValue &v : array) {
        const EventParse one = parseEvent(v.toObject());
        if (one.status != EventParse::Status::Ok) {
            r.status = one.status;
            r.error = one.error;
            return r;
        }
        r.events.append(one.event);
    }
    return r;
}

EventListParse parseEventList(QIODevice *device)
{
    return parseEventList(device->readAll());
}

namespace {

// A cursor over a join or leave event laid out exactly as Event::toJson() writes it. Each
// step accepts only what that writer produces for a valid event, so whatever it reads is
// what the JSON parser would read; anything else sends the text to the parser.
class PresenceReader
{
public:
    explicit PresenceReader(const QByteArray &text) : m_text(text) {}

    bool literal(const char *expected)
    {
        const qsizetype length = qsizetype(qstrlen(expected));
        if (m_text.size() - m_pos < length || std::memcmp(m_text.constData() + m_pos, expected, size_t(length)) != 0)
            return false;
        m_pos += length;
        return true;
    }

    // A name ([A-Za-z0-9_.-]{1,64}, so no escapes) and its closing quote.
    bool name(QString *out)
    {
        const qsizetype start = m_pos;
        while (m_pos < m_text.size() && m_pos - start <= 64 && isNameChar(m_text.at(m_pos)))
            ++m_pos;
        const qsizetype length = m_pos - start;
        if (length < 1 || length > 64 || !literal("\""))
            return false;
        *out = QString::fromLatin1(m_text.constData() + start, length);
        return true;
    }

    // A seq as the writer prints it: 1 to 2^53, no sign, no leading zero, no fraction.
    bool seq(qint64 *out)
    {
        const qsizetype start = m_pos;
        qint64 value = 0;
        while (m_pos < m_text.size() && m_text.at(m_pos) >= '0' && m_text.at(m_pos) <= '9' && m_pos - start < 16)
            value = value * 10 + (m_text.at(m_pos++) - '0');
        if (m_pos == start || m_text.at(start) == '0' || value > (qint64(1) << 53))
            return false;
        *out = value;
        return true;
    }

    bool atEnd() const { return m_pos == m_text.size(); }

private:
    static bool isNameChar(char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    }

    const QByteArray &m_text;
    qsizetype m_pos = 0;
};

// A join or leave event exactly as Event::toJson() writes it, read by position:
// {"type":"join","channel":"C","seq":N,"clientId":"X","transport":"T"} or the leave
// without its transport. Field order, spacing, escapes, extra fields or trailing bytes
// other than that are left to the parser.
bool readPresence(const QByteArray &utf8, Event *event)
{
    PresenceReader r(utf8);
    Event e;
    if (r.literal(R"({"type":"join","channel":")"))
        e.type = EventType::Join;
    else if (r.literal(R"({"type":"leave","channel":")"))
        e.type = EventType::Leave;
    else
        return false;
    if (!r.name(&e.channel) || !r.literal(R"(,"seq":)") || !r.seq(&e.seq) || !r.literal(R"(,"clientId":")")
        || !r.name(&e.clientId))
        return false;
    if (e.type == EventType::Join && (!r.literal(R"(,"transport":")") || !r.name(&e.transport)))
        return false;
    if (!r.literal("}") || !r.atEnd())
        return false;
    *event = std::move(e);
    return true;
}

// The top-level elements of a JSON array, as byte slices; false when `utf8` is not an
// array that splits cleanly (the full parser then says what is wrong).
bool splitArray(const QByteArray &utf8, QList<QByteArray> *items)
{
    int i = 0;
    const int n = int(utf8.size());
    auto skipSpace = [&] {
        while (i < n && (utf8.at(i) == ' ' || utf8.at(i) == '\n' || utf8.at(i) == '\r' || utf8.at(i) == '\t'))
            ++i;
    };
    skipSpace();
    if (i >= n || utf8.at(i) != '[')
        return false;
    ++i;
    skipSpace();
    if (i < n && utf8.at(i) == ']') {
        ++i;
        skipSpace();
        return i == n;
    }
    int depth = 0;
    bool inString = false;
    int start = i;
    for (; i < n; ++i) {
        const char c = utf8.at(i);
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                if (c != ']')
                    return false;
                items->append(utf8.mid(start, i - start).trimmed());
                ++i;
                skipSpace();
                return i == n && !items->last().isEmpty();
            }
            --depth;
        } else if (c == ',' && depth == 0) {
            items->append(utf8.mid(start, i - start).trimmed());
            if (items->last().isEmpty())
                return false;
            start = i + 1;
        }
    }
    return false;
}

} // namespace

EventParse parseEventFast(const QByteArray &utf8)
{
    EventParse r;
    if (readPresence(utf8, &r.event))
        return r;
    return parseEvent(utf8);
}

EventListParse parseEventListFast(const QByteArray &utf8)
{
    QList<QByteArray> items;
    if (!splitArray(utf8, &items))
        return parseEventList(utf8);
    EventListParse r;
    r.events.reserve(items.size());
    for (const QByteArray &item : items) {
        EventParse one = parseEventFast(item);
        if (one.status != EventParse::Status::Ok) {
            r.status = one.status;
            r.error = one.error;
            return r;
        }
        r.events.append(std::move(one.event));
    }
    return r;
}

} // namespace duplex::protocol
