#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <vector>

namespace duplex::protocol {

// The event types of CONTRACT.md ("Events (server to client)").
enum class EventType { Welcome, Message, Join, Leave, Gap, Ack, Error };

QString eventTypeName(EventType type);
bool eventTypeFromName(const QString &name, EventType *type);

// One server-to-client event. Only the fields that belong to `type` are meaningful;
// the codec writes exactly those, so an Event round-trips through JSON unchanged.
struct Event
{
    EventType type = EventType::Message;
    QString channel;
    qint64 seq = 0;         // message, join, leave, welcome, ack
    qint64 ts = 0;          // message: ms since the epoch when it was sequenced
    QString clientId;       // message: "from"; join, leave, welcome: "clientId"
    QString transport;      // join
    QString node;           // welcome
    QJsonValue data;        // message
    qint64 from = 0;        // gap
    qint64 to = 0;          // gap
    QJsonValue id;          // ack: the client's id, echoed as given
    QString code;           // error
    QString message;        // error
    bool presence = true;   // welcome: join and leave will be sent to this client

    // Events that take a place in a channel's sequence.
    bool isSequenced() const
    {
        return type == EventType::Message || type == EventType::Join || type == EventType::Leave;
    }

    QJsonObject toJsonObject() const;
    QByteArray toJson() const;

    static Event welcome(const QString &clientId, const QString &channel, qint64 seq,
                         const QString &node, bool presence = true);
    // The sequenced kinds, before the broker gives them their seq (and a message its ts):
    // a message a client published, a join, a leave.
    static Event published(const QString &channel, const QString &from, const QJsonValue &data);
    static Event join(const QString &channel, const QString &clientId, const QString &transport);
    static Event leave(const QString &channel, const QString &clientId);
    static Event gap(const QString &channel, qint64 from, qint64 to);
    static Event ack(const QJsonValue &id, qint64 seq);
    static Event error(const QString &code, const QString &message);
};

// One field of an event on the wire, after "type": its key, what it must hold, and the
// Event member it lives in. The one table that writes (toJsonObject, toJson, in the
// contract's order) and reads (parseEvent) every event.
struct EventField
{
    enum class Kind {
        String,         // a JSON string, required
        Integer,        // an integral JSON number (|v| <= 2^53), required
        Value,          // any JSON value, required (message data, ack id)
        OptionalString, // a string, "" when absent (error message)
        OptionalFlag,   // a JSON boolean, the member's default when absent (welcome presence)
    };
    const char *key;
    Kind kind;
    QString Event::*text = nullptr;     // String, OptionalString
    qint64 Event::*number = nullptr;    // Integer
    QJsonValue Event::*value = nullptr; // Value
    bool Event::*flag = nullptr;        // OptionalFlag

    QJsonValue read(const Event &event) const;
};

// The fields of an event of `type`, in the contract's order.
const std::vector<EventField> &eventFields(EventType type);

// A sequenced event with its JSON encoded once, so fan-out to many clients and
// history replies never re-encode it.
struct Sequenced
{
    Event event;
    QByteArray json;

    static Sequenced from(Event event)
    {
        QByteArray json = event.toJson();
        return {std::move(event), std::move(json)};
    }
};

} // namespace duplex::protocol
