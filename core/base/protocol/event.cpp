#include "protocol/event.h"

#include <QHash>
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

QJsonObject Event::toJsonObject() const
{
    QJsonObject o;
    o.insert(QStringLiteral("type"), eventTypeName(type));
    switch (type) {
    case EventType::Welcome:
        o.insert(QStringLiteral("clientId"), clientId);
        o.insert(QStringLiteral("channel"), channel);
        o.insert(QStringLiteral("seq"), seq);
        o.insert(QStringLiteral("node"), node);
        break;
    case EventType::Message:
        o.insert(QStringLiteral("channel"), channel);
        o.insert(QStringLiteral("seq"), seq);
        o.insert(QStringLiteral("from"), clientId);
        o.insert(QStringLiteral("ts"), ts);
        o.insert(QStringLiteral("data"), data.isUndefined() ? QJsonValue() : data);
        break;
    case EventType::Join:
        o.insert(QStringLiteral("channel"), channel);
        o.insert(QStringLiteral("seq"), seq);
        o.insert(QStringLiteral("clientId"), clientId);
        o.insert(QStringLiteral("transport"), transport);
        break;
    case EventType::Leave:
        o.insert(QStringLiteral("channel"), channel);
        o.insert(QStringLiteral("seq"), seq);
        o.insert(QStringLiteral("clientId"), clientId);
        break;
    case EventType::Gap:
        o.insert(QStringLiteral("channel"), channel);
        o.insert(QStringLiteral("from"), from);
        o.insert(QStringLiteral("to"), to);
        break;
    case EventType::Ack:
        o.insert(QStringLiteral("id"), id);
        o.insert(QStringLiteral("seq"), seq);
        break;
    case EventType::Error:
        o.insert(QStringLiteral("code"), code);
        o.insert(QStringLiteral("message"), message);
        break;
    }
    return o;
}

QByteArray Event::toJson() const
{
    // QJsonObject sorts its keys; written by hand, "type" comes first and the fields
    // follow in the contract's order, which is what a person reading wscat expects.
    static const QHash<EventType, QList<const char *>> kOrder = {
        {EventType::Welcome, {"clientId", "channel", "seq", "node"}},
        {EventType::Message, {"channel", "seq", "from", "ts", "data"}},
        {EventType::Join, {"channel", "seq", "clientId", "transport"}},
        {EventType::Leave, {"channel", "seq", "clientId"}},
        {EventType::Gap, {"channel", "from", "to"}},
        {EventType::Ack, {"id", "seq"}},
        {EventType::Error, {"code", "message"}},
    };
    const QJsonObject o = toJsonObject();
    QByteArray out = R"({"type":")" + eventTypeName(type).toLatin1() + '"';
    for (const char *key : kOrder.value(type)) {
        // One value at a time through QJsonDocument keeps its escaping rules.
        const QByteArray value = QJsonDocument(QJsonArray{o.value(QLatin1String(key))}).toJson(QJsonDocument::Compact);
        out += ",\"" + QByteArray(key) + "\":" + value.mid(1, value.size() - 2);
    }
    out += '}';
    return out;
}

Event Event::welcome(const QString &clientId, const QString &channel, qint64 seq,
                     const QString &node)
{
    Event e;
    e.type = EventType::Welcome;
    e.clientId = clientId;
    e.channel = channel;
    e.seq = seq;
    e.node = node;
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
