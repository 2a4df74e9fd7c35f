#include "protocol/event.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace duplex::protocol {

namespace {
struct TypeName
{
    EventType type;
    const char *name;
};
constexpr TypeName kTypeNames[] = {
    {EventType::Welcome, "welcome"}, {EventType::Message, "message"}, {EventType::Join, "join"},
    {EventType::Leave, "leave"},     {EventType::Gap, "gap"},         {EventType::Ack, "ack"},
    {EventType::Error, "error"},
};
} // namespace

QString eventTypeName(EventType type)
{
    for (const auto &entry : kTypeNames) {
        if (entry.type == type)
            return QString::fromLatin1(entry.name);
    }
    return {};
}

bool eventTypeFromName(const QString &name, EventType *type)
{
    for (const auto &entry : kTypeNames) {
        if (name == QLatin1String(entry.name)) {
            *type = entry.type;
            return true;
        }
    }
    return false;
}

const std::vector<EventField> &eventFields(EventType type)
{
    using K = EventField::Kind;
    static const std::vector<EventField> kWelcome = {
        {"clientId", K::String, &Event::clientId}, {"channel", K::String, &Event::channel},
        {"seq", K::Integer, nullptr, &Event::seq}, {"node", K::String, &Event::node},
        {"presence", K::OptionalFlag, nullptr, nullptr, nullptr, &Event::presence}};
    static const std::vector<EventField> kMessage = {
        {"channel", K::String, &Event::channel}, {"seq", K::Integer, nullptr, &Event::seq},
        {"from", K::String, &Event::clientId},   {"ts", K::Integer, nullptr, &Event::ts},
        {"data", K::Value, nullptr, nullptr, &Event::data}};
    static const std::vector<EventField> kJoin = {
        {"channel", K::String, &Event::channel}, {"seq", K::Integer, nullptr, &Event::seq},
        {"clientId", K::String, &Event::clientId}, {"transport", K::String, &Event::transport}};
    static const std::vector<EventField> kLeave = {
        {"channel", K::String, &Event::channel}, {"seq", K::Integer, nullptr, &Event::seq},
        {"clientId", K::String, &Event::clientId}};
    static const std::vector<EventField> kGap = {
        {"channel", K::String, &Event::channel}, {"from", K::Integer, nullptr, &Event::from},
        {"to", K::Integer, nullptr, &Event::to}};
    static const std::vector<EventField> kAck = {
        {"id", K::Value, nullptr, nullptr, &Event::id}, {"seq", K::Integer, nullptr, &Event::seq}};
    static const std::vector<EventField> kError = {
        {"code", K::String, &Event::code}, {"message", K::OptionalString, &Event::message}};
    switch (type) {
    case EventType::Welcome:
        return kWelcome;
    case EventType::Message:
        return kMessage;
    case EventType::Join:
        return kJoin;
    case EventType::Leave:
        return kLeave;
    case EventType::Gap:
        return kGap;
    case EventType::Ack:
        return kAck;
    case EventType::Error:
        return kError;
    }
    return kError;
}

QJsonValue EventField::read(const Event &event) const
{
    switch (kind) {
    case Kind::String:
    case Kind::OptionalString:
        return event.*text;
    case Kind::Integer:
        return event.*number;
    case Kind::Value:
        // An unset value (a message built without data) is written as null.
        return (event.*value).isUndefined() ? QJsonValue() : event.*value;
    case Kind::OptionalFlag:
        return event.*flag;
    }
    return {};
}

QJsonObject Event::toJsonObject() const
{
    QJsonObject o;
    o.insert(QStringLiteral("type"), eventTypeName(type));
    for (const EventField &field : eventFields(type))
        o.insert(QLatin1String(field.key), field.read(*this));
    return o;
}

QByteArray Event::toJson() const
{
    // QJsonObject sorts its keys; written by hand, "type" comes first and the fields
    // follow in the contract's order, which is what a person reading wscat expects.
    QByteArray out = R"({"type":")" + eventTypeName(type).toLatin1() + '"';
    for (const EventField &field : eventFields(type)) {
        // One value at a time through QJsonDocument keeps its escaping rules.
        const QByteArray value = QJsonDocument(QJsonArray{field.read(*this)}).toJson(QJsonDocument::Compact);
        out += ",\"" + QByteArray(field.key) + "\":" + value.mid(1, value.size() - 2);
    }
    out += '}';
    return out;
}

Event Event::welcome(const QString &clientId, const QString &channel, qint64 seq,
                     const QString &node, bool presence)
{
    Event e;
    e.presence = presence;
    e.type = EventType::Welcome;
    e.clientId = clientId;
    e.channel = channel;
    e.seq = seq;
    e.node = node;
    return e;
}

Event Event::published(const QString &channel, const QString &from, const QJsonValue &data)
{
    Event e;
    e.type = EventType::Message;
    e.channel = channel;
    e.clientId = from;
    e.data = data;
    return e;
}

Event Event::join(const QString &channel, const QString &clientId, const QString &transport)
{
    Event e;
    e.type = EventType::Join;
    e.channel = channel;
    e.clientId = clientId;
    e.transport = transport;
    return e;
}

Event Event::leave(const QString &channel, const QString &clientId)
{
    Event e;
    e.type = EventType::Leave;
    e.channel = channel;
    e.clientId = clientId;
    return e;
}

Event Event::gap(const QString &channel, qint64 from, qint64 to)
{
    Event e;
    e.type = EventType::Gap;
    e.channel = channel;
    e.from = from;
    e.to = to;
    return e;
}

Event Event::ack(const QJsonValue &id, qint64 seq)
{
    Event e;
    e.type = EventType::Ack;
    e.id = id;
    e.seq = seq;
    return e;
}

Event Event::error(const QString &code, const QString &message)
{
    Event e;
    e.type = EventType::Error;
    e.code = code;
    e.message = message;
    return e;
}

} // namespace duplex::protocol
