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
// Reads a history frame; false (with *error) when it is malformed.
bool decodeHistory(const QJsonObject &frame, HistoryReply *reply, QString *error);

} // namespace duplex::bus
