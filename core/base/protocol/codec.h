#pragma once

#include "protocol/event.h"

#include <QByteArray>
#include <QJsonValue>
#include <QString>

class QIODevice;
class QUrlQuery;

namespace duplex::protocol {

// Default limit on one client frame or Comet body (CONTRACT.md: 64 KiB).
inline constexpr qint64 kDefaultMaxMessageBytes = 64 * 1024;

bool isValidChannel(const QString &channel);
bool isValidClientId(const QString &clientId);
// A publish's `id`: a string of at most 128 characters or a number (the contract).
bool isValidPublishId(const QJsonValue &id);

// A publish request read from a client: a WebSocket text frame or a Comet body.
struct PublishRequest
{
    QJsonValue data;
    QJsonValue id = QJsonValue::Undefined; // when the client gave none
};

struct PublishParse
{
    enum class Status { Ok, BadJson, TooLarge };
    Status status = Status::Ok;
    PublishRequest request;
    QString error; // human-readable reason when status != Ok
};

// Reads a WebSocket text frame: `{"type":"publish","data":...[,"id":...]}`, or any text
// that does not start with '{', which is published as a JSON string.
PublishParse parseWebSocketFrame(const QByteArray &utf8, qint64 maxBytes = kDefaultMaxMessageBytes);

// Reads a Comet publish body: `{"data":...[,"id":...]}`, or any other text as a JSON string.
PublishParse parseCometBody(const QByteArray &utf8, qint64 maxBytes = kDefaultMaxMessageBytes);

// The query of a subscription (`/ws/?...`, `/xhr/subscribe?...`):
// `channel` (default main), optional `clientId`, `since` and `presence`.
struct SubscribeQuery
{
    QString channel = QStringLiteral("main");
    QString clientId; // empty when the client gave none
    qint64 since = -1; // -1 when the client gave none
    // presence=0 (an addition to the contract): this client is not sent join and leave
    // events; they keep their seqs, so its seqs then advance by more than one.
    bool presence = true;
};

struct SubscribeParse
{
    enum class Status { Ok, BadChannel, BadClientId, BadSince, BadPresence, Duplicate };
    Status status = Status::Ok;
    SubscribeQuery query;
    QString error;
    // The contract's error code for `status` (bad_channel, bad_request).
    QString errorCode() const;
};

SubscribeParse parseSubscribeQuery(const QUrlQuery &query);

struct EventParse
{
    enum class Status { Ok, BadJson, BadEvent };
    Status status = Status::Ok;
    Event event;
    QString error;
};

// Reads one server-to-client event (clients, tests, the load generator, the bus).
EventParse parseEvent(const QByteArray &utf8);
EventParse parseEvent(const QJsonObject &object);
// Reads a JSON array of events, as a Comet poll answers; stops at the first bad one.
struct EventListParse
{
    EventParse::Status status = EventParse::Status::Ok;
    QList<Event> events;
    QString error;
};
EventListParse parseEventList(const QByteArray &utf8);
EventListParse parseEventList(QIODevice *device);

// The same events as parseEvent() and parseEventList() (bad input fails as well, though
// the error may be worded differently), faster for what clients get most of when a crowd
// connects: join and leave events as Duplex servers write them (fixed field order, no
// escapes) are read without a JSON parser; anything else takes the full parser, and so
// does an array that does not split cleanly.
EventParse parseEventFast(const QByteArray &utf8);
EventListParse parseEventListFast(const QByteArray &utf8);

} // namespace duplex::protocol
