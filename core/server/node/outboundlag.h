#pragma once

#include <QtGlobal>

#include <deque>

namespace duplex::node {

// How far behind one connection's reader is, in time: the age of the oldest byte queued
// for it and not yet written to the kernel, whatever the bytes are (events, pongs, close
// frames). A reader that keeps up has a young oldest byte however much passes through,
// so a burst or a large resume read at full speed never looks slow; one that stops
// reading ages steadily. Fed by samples of two running totals; a value class, so tests
// drive it with numbers instead of sockets.
class OutboundLag final
{
public:
    // At most this many samples are kept: past it, the newest one absorbs the next, which
    // can only make the lag look larger by one sampling interval, never smaller.
    static constexpr int kMaxSamples = 32;

    // `written`: every byte written so far; `unsent`: bytes queued now. Call at a steady
    // interval and whenever it matters (times never go backwards).
    void record(qint64 nowMs, quint64 written, qint64 unsent);

    // Milliseconds since the oldest unsent byte was first seen queued; 0 when nothing is.
    qint64 lagMs(qint64 nowMs) const;

    int samples() const { return int(m_samples.size()); }

private:
    struct Sample
    {
        qint64 timeMs;
        quint64 queuedTotal; // written + unsent at that time: bytes ever queued
    };
    std::deque<Sample> m_samples;
};

} // namespace duplex::node
