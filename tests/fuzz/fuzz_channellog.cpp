// Contract: log::ChannelLog under any sequence of what the broker and the nodes do to it
// (sequence, append of the next or of a wrong seq, resetHead, since with any limit,
// covers), decoded from the fuzz input as an op script. After every step: at most
// `capacity` events, at most `maxBytes` of JSON unless one event is held, bytes() equal to
// the held JSON, seqs consecutive up to head(); since() gives exactly the held events after
// `since` (a negative since counts as 0), at most `limit`, behind the right gap (never
// starting below seq 1); covers() agrees with since()'s gap.
#include "fuzzcheck.h"

#include "log/channellog.h"

#include <QJsonValue>

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>

using namespace duplex;
using duplex::log::ChannelLog;

namespace {

// Reads the op script; past its end every read gives zero.
class Script
{
public:
    Script(const uint8_t *data, size_t size) : m_data(data), m_size(size) {}
    bool atEnd() const { return m_pos >= m_size; }
    uint8_t byte() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    qint64 number()
    {
        // Mostly small values near the head, now and then any 64-bit value.
        const uint8_t kind = byte();
        if (kind < 200)
            return qint64(kind) - 100;
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | byte();
        qint64 out;
        std::memcpy(&out, &v, sizeof out);
        return out;
    }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_pos = 0;
};

// A seq the bus can carry: integral JSON numbers stop at 2^53.
constexpr qint64 kMaxSeq = qint64(1) << 53;

protocol::Event message(int dataBytes)
{
    return protocol::Event::published(QStringLiteral("main"), QStringLiteral("c1"), QString(dataBytes, QLatin1Char('x')));
}

void checkInvariants(const ChannelLog &log)
{
    FUZZ_CHECK(log.size() <= log.capacity(), "more events than the capacity");
    FUZZ_CHECK(log.bytes() <= log.maxBytes() || log.size() == 1, "more bytes than the bound, with more than one event");
    FUZZ_CHECK(log.firstHeld() == log.head() - log.size() + 1, "firstHeld does not match head and size");
    const ChannelLog::Range all = log.since(log.firstHeld() - 1);
    FUZZ_CHECK(!all.hasGap() && !all.more, "the held events come with a gap or cut short");
    FUZZ_CHECK(int(all.events.size()) == log.size(), "since(firstHeld - 1) does not give every held event");
    qint64 bytes = 0;
    qint64 expected = log.firstHeld();
    for (const protocol::Sequenced &s : all.events) {
        FUZZ_CHECK(s.event.seq == expected, "held seqs are not consecutive");
        ++expected;
        bytes += s.json.size();
    }
    FUZZ_CHECK(bytes == log.bytes(), "bytes() differs from the held JSON");
}

void checkSince(const ChannelLog &log, qint64 asked, int limit)
{
    const ChannelLog::Range range = log.since(asked, limit);
    FUZZ_CHECK(log.covers(asked) == !range.hasGap(), "covers() disagrees with since()'s gap");
    // Seqs start at 1: a negative since asks what 0 asks.
    const qint64 since = std::max<qint64>(asked, 0);
    if (since >= log.head()) {
        FUZZ_CHECK(range.events.empty() && !range.hasGap() && !range.more, "something after the head");
        return;
    }
    const qint64 start = std::max(since + 1, log.firstHeld());
    if (since + 1 < log.firstHeld()) {
        FUZZ_CHECK(range.gapFrom == since + 1 && range.gapTo == log.firstHeld() - 1, "the wrong gap");
    } else {
        FUZZ_CHECK(!range.hasGap(), "a gap where every event is held");
    }
    const qint64 available = log.head() - start + 1;
    const qint64 expectedCount = std::min<qint64>(available, std::max(0, limit));
    FUZZ_CHECK(qint64(range.events.size()) == expectedCount, "since() gave the wrong number of events");
    FUZZ_CHECK(range.more == (expectedCount < available), "more is wrong");
    for (size_t i = 0; i < range.events.size(); ++i)
        FUZZ_CHECK(range.events[i].event.seq == start + qint64(i), "since() gave the wrong seqs");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Script script(data, size);
    const int capacity = int(script.byte() % 20) - 1; // 0 and -1 are clamped to 1
    const qint64 maxBytes = qint64(script.byte()) * 8;  // 0 is clamped to 1
    ChannelLog log(capacity, maxBytes);
    checkInvariants(log);

    for (int steps = 0; !script.atEnd() && steps < 2000; ++steps) {
        switch (script.byte() % 6) {
        case 0:
        case 1: {
            const qint64 head = log.head();
            if (head >= kMaxSeq)
                break;
            const protocol::Sequenced &s = log.sequence(message(script.byte()));
            FUZZ_CHECK(s.event.seq == head + 1 && log.head() == head + 1, "sequence() did not take the next seq");
            break;
        }
        case 2: {
            // Append the next seq, or a wrong one, which must be refused and change nothing.
            const qint64 offset = script.number();
            const qint64 head = log.head();
            if (head >= kMaxSeq || offset < -kMaxSeq || offset > kMaxSeq)
                break;
            protocol::Event event = message(script.byte());
            event.seq = head + 1 + (offset % 3 == 0 ? 0 : offset);
            const int sizeBefore = log.size();
            const bool appended = log.append(protocol::Sequenced::from(event));
            FUZZ_CHECK(appended == (event.seq == head + 1), "append() took a wrong seq or refused the next");
            if (!appended)
                FUZZ_CHECK(log.head() == head && log.size() == sizeBefore, "a refused append changed the log");
            break;
        }
        case 3: {
            // The bus gives heads of 0..2^53.
            const qint64 head = script.number();
            if (head < 0 || head > kMaxSeq)
                break;
            log.resetHead(head);
            FUZZ_CHECK(log.head() == head && log.size() == 0 && log.bytes() == 0, "resetHead() kept something");
            break;
        }
        case 4:
        case 5: {
            qint64 since = 0;
            const bool overflow = __builtin_add_overflow(log.head(), script.number(), &since);
            const int limit = int(script.byte()) - 1;
            if (!overflow)
                checkSince(log, since, limit);
            checkSince(log, script.number(), int(script.byte()));
            break;
        }
        }
        checkInvariants(log);
    }
    return 0;
}
