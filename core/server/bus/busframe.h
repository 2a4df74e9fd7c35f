#pragma once

#include "log/channellog.h"
#include "protocol/event.h"

#include <QByteArray>
#include <QJsonObject>

class QIODevice;

// The internal bus between nodes and the broker: one compact JSON object per line over
// loopback TCP. A node says `hello` (with the cluster secret), then `publish` and
// `history`; the broker answers `ready`/`refused`, relays every sequenced `event` to every
// node, and answers `history`. Internal: the public contract never shows these frames.
namespace duplex::bus {

// Longest line either side accepts, its newline not counted: a history reply is cut well
// below it.
inline constexpr qint64 kMaxLineBytes = 16 * 1024 * 1024;
// A history reply stops adding events past this size and says `more`.
inline constexpr qint64 kHistoryReplyBytes = 4 * 1024 * 1024;

QByteArray encodeLine(const QJsonObject &frame);

// Splits a device's bytes into lines without copying more than needed.
struct LineRead
{
    enum class Status { Line, NeedMore, TooLong };
    Status status = Status::NeedMore;
    QByteArray line; // without the newline
};
LineRead readLine(QIODevice *device, qint64 maxBytes = kMaxLineBytes);

// The event line the broker relays: encoded from the event's cached JSON, once for all nodes.
QByteArray encodeEventLine(const protocol::Sequenced &sequenced, const QString &origin, qint64 ref);

struct RelayedEvent
{
    protocol::Sequenced sequenced;
    QString origin;
    qint64 ref = 0;
};
// Reads an event frame, `line` (without its newline) and the same parsed as `frame`; false
// (with *error) when it is malformed. A line laid out as encodeEventLine() writes it gives
// up the event's JSON as the broker wrote it, so nodes never encode it again; any other
// layout is encoded afresh.
bool decodeEvent(const QByteArray &line, const QJsonObject &frame, RelayedEvent *relayed, QString *error);

// The history reply: events are spliced in from their cached JSON.
QByteArray encodeHistoryLine(qint64 ref, const QString &channel, qint64 head,
                             const log::ChannelLog::Range &range);

struct HistoryReply
{
    qint64 ref = 0;
    QString channel;
    qint64 head = 0;
    log::ChannelLog::Range range;
};
// Reads a history frame, `line` (without its newline) and the same parsed as `frame`; false
// (with *error) when it is malformed. A line laid out as encodeHistoryLine() writes it gives
// up its events' JSON as the broker wrote it, as decodeEvent() does; any other layout is
// encoded afresh.
bool decodeHistory(const QByteArray &line, const QJsonObject &frame, HistoryReply *reply, QString *error);

// The broker's answer to a publish it did not sequence (a new channel past its limit, a
// malformed event): the publish's `ref` and why.
QByteArray encodeRejectedLine(qint64 ref, const QString &reason);
struct RejectedPublish
{
    qint64 ref = 0;
    QString reason;
};
// Reads a rejected frame; false when it has no ref.
bool decodeRejected(const QJsonObject &frame, RejectedPublish *rejected);

// The broker's answer to a publish that retried one it sequenced within the window (same
// channel, client and id): the publish's `ref` and the seq the first got. Nothing is relayed.
QByteArray encodeDuplicateLine(qint64 ref, qint64 seq);
struct DuplicatePublish
{
    qint64 ref = 0;
    qint64 seq = 0;
};
// Reads a duplicate frame; false without a ref or a positive seq.
bool decodeDuplicate(const QJsonObject &frame, DuplicatePublish *duplicate);

// What a node asks the broker, read by the broker (a value, so tests and fuzz_busline feed
// it bytes):
// a publish: the event to sequence (a message with `from` and `data`, or a join or leave
// with `clientId`, and a join's `transport`), the node's `ref`, echoed in the relay, and
// the client's `id` when it gave one.
struct PublishFrame
{
    qint64 ref = 0;
    protocol::Event event; // without seq and ts: the broker gives them
    QByteArray idJson;     // the id's JSON (a string of at most 128 characters or a number); empty: none
};
// Reads a publish frame; false when its event or its id is malformed (`ref` is read either
// way).
bool decodePublish(const QJsonObject &frame, PublishFrame *publish);

// a history request: every event of `channel` after `since`, at most `limit` of them (0:
// none, the reply's head is what was asked).
struct HistoryRequest
{
    qint64 ref = 0;
    QString channel;
    qint64 since = -1;
    int limit = 1000;
};
// Reads a history request; false when the channel is invalid, since or limit negative.
bool decodeHistoryRequest(const QJsonObject &frame, HistoryRequest *request);

} // namespace duplex::bus
