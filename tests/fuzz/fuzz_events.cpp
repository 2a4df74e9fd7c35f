// Contract: a client reads server events with parseEvent/parseEventList, or with their
// fast forms, which must give the same answer on any bytes: the same events when both
// accept, and a failure when either fails (CONTRACT.md events; the load generator and the
// web tests rely on the fast path being only faster). An accepted event also round-trips:
// its JSON reads back as the same event.
#include "fuzzcheck.h"

#include "protocol/codec.h"
#include "protocol/event.h"

#include <cstddef>
#include <cstdint>

using namespace duplex::protocol;

namespace {

void checkSame(const EventParse &full, const EventParse &fast)
{
    FUZZ_CHECK((full.status == EventParse::Status::Ok) == (fast.status == EventParse::Status::Ok),
               "parseEventFast and parseEvent disagree on accepting");
    if (full.status != EventParse::Status::Ok)
        return;
    FUZZ_CHECK(full.event.toJson() == fast.event.toJson(), "parseEventFast read another event than parseEvent");
    const EventParse again = parseEvent(full.event.toJson());
    FUZZ_CHECK(again.status == EventParse::Status::Ok, "an accepted event does not read back");
    FUZZ_CHECK(again.event.toJson() == full.event.toJson(), "an accepted event reads back as another");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    checkSame(parseEvent(input), parseEventFast(input));

    const EventListParse full = parseEventList(input);
    const EventListParse fast = parseEventListFast(input);
    FUZZ_CHECK((full.status == EventParse::Status::Ok) == (fast.status == EventParse::Status::Ok),
               "parseEventListFast and parseEventList disagree on accepting");
    if (full.status == EventParse::Status::Ok) {
        FUZZ_CHECK(full.events.size() == fast.events.size(), "the lists differ in length");
        for (qsizetype i = 0; i < full.events.size(); ++i)
            FUZZ_CHECK(full.events.at(i).toJson() == fast.events.at(i).toJson(), "the lists differ in an event");
    }
    return 0;
}
