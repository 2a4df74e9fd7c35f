#pragma once

#include <QString>
#include <QtGlobal>

namespace duplex::load {

// What a load-test message carries so that every receiver can measure on its own:
// who sent it, the publisher's own counter (loss, duplicates, order) and when (latency).
struct Payload
{
    int publisher = 0;  // 0 .. kPublisherLimit - 1
    qint64 counter = 0; // 0 .. kCounterLimit - 1, the publisher's message index
    qint64 sentUs = 0;  // wall clock µs; a decoded payload holds it modulo kSentModulus
};

// The header is 16 ASCII characters, so this is the smallest payload there is.
inline constexpr int kMinPayloadSize = 16;
// Send times travel as 8 base-36 digits: modulo 36^8 µs, which wraps every ~32.65 days.
inline constexpr qint64 kSentModulus = 2821109907456; // 36^8
// Publishers travel as 2 base-36 digits, counters as 6.
inline constexpr int kPublisherLimit = 1296;          // 36^2
inline constexpr qint64 kCounterLimit = 2176782336;  // 36^6

struct PayloadParse
{
    enum class Status { Ok, Bad };
    Status status = Status::Ok;
    Payload payload;
    int size = 0; // characters (QString length) of the payload read
    QString error;
};

// Exactly max(size, kMinPayloadSize) characters: the header
// `<sent mod 36^8: 8 digits><publisher: 2><counter: 6>` (lower-case base 36, zero-padded),
// then a cycle of Cyrillic letters (2 UTF-8 bytes each) up to `size`.
// Publisher and counter outside their limits wrap modulo the limit.
QString encodePayload(const Payload &payload, int size);

// Reads what encodePayload wrote; Bad when the header is short or not base 36, or when the
// filler is not the expected cycle (a transport that mangled the UTF-8 on the way).
PayloadParse decodePayload(const QString &text);

// Microseconds from a decoded send time to `nowUs`, computed modulo 36^8 and taken in
// (-36^8/2, 36^8/2]: exact while the true latency stays within ±16 days, and a receiver
// whose clock is slightly behind the sender's sees a small negative value, not 32 days.
qint64 latencyUs(qint64 sentUsMod, qint64 nowUs);

// Wall-clock microseconds since the epoch (QDateTime only has milliseconds); the same
// clock in every process of a host, so workers and publishers agree on send times.
qint64 nowMicros();

} // namespace duplex::load
