#pragma once

#include <QString>

// The `data` of every message duplex-bench-comet publishes: a JSON string of exactly
// `size` ASCII characters (so characters = UTF-8 bytes), readable by eye in a capture:
//
//   CCCCCCTTTTTTTTTT....
//   counter in 6 lowercase hex digits, zero-padded (up to 16.7 million messages);
//   send time in 10 lowercase hex digits of microseconds on the bench's monotonic clock
//   (QElapsedTimer started with the run: up to 12 days);
//   '.' up to `size` when it is above 16.
//
// Receivers read the send time from the message itself; the bench also keeps the send
// time of each counter, so a message whose payload does not match is "unexpected"
// rather than a wrong latency.
namespace duplex::bench::timedpayload {

inline constexpr int kCounterDigits = 6;
inline constexpr int kTimeDigits = 10;
inline constexpr int kMinSize = kCounterDigits + kTimeDigits;
inline constexpr qint64 kMaxCounter = (qint64(1) << (4 * kCounterDigits)) - 1;

// `counter` in [0, kMaxCounter], `sendUs` >= 0 below 16^10, `size` >= kMinSize.
QString encode(qint64 counter, qint64 sendUs, int size);

struct Decoded
{
    bool ok = false;
    qint64 counter = -1;
    qint64 sendUs = -1;
};

// Reads what encode() wrote; not ok for any other text or length.
Decoded decode(const QString &data, int size);

} // namespace duplex::bench::timedpayload
