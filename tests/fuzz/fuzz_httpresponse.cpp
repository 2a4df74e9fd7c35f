// Contract: client::HttpResponseParser (the load generator's and the tests' HTTP client)
// reads any bytes a server sends without crashing and without depending on how they were
// split: the same bytes fed whole or in arbitrary pieces give the same responses and the
// same end (error or not). A completed response has a three-digit status and a body within
// the limit; after an error the parser stays failed until reset().
#include "fuzzcheck.h"

#include "client/httpresponseparser.h"

#include <QList>

#include <cstddef>
#include <cstdint>

using duplex::client::HttpResponse;
using duplex::client::HttpResponseParser;
using Status = HttpResponseParser::Result::Status;

namespace {

// What a parser made of a stream: each response, flattened, then how the stream ended.
struct Outcome
{
    QList<QByteArray> responses;
    Status end = Status::NeedMore;
};

QByteArray flatten(const HttpResponse &r)
{
    QByteArray out = QByteArray::number(r.status) + ' ' + r.version + ' ' + r.reason + '\n';
    for (const auto &[name, value] : r.headers)
        out += name + ": " + value + '\n';
    out += QByteArray::number(r.body.size()) + '\n' + r.body;
    return out;
}

// Takes every result the parser has; false once it failed.
bool drain(HttpResponseParser &parser, HttpResponseParser::Result result, Outcome *outcome, qint64 maxBody)
{
    for (;;) {
        if (result.status == Status::Error) {
            FUZZ_CHECK(!result.error.isEmpty(), "an error without a reason");
            outcome->end = Status::Error;
            return false;
        }
        if (result.status == Status::NeedMore)
            return true;
        const HttpResponse &r = result.response;
        FUZZ_CHECK(r.status >= 100 && r.status <= 999, "a completed response without a three-digit status");
        FUZZ_CHECK(r.body.size() <= maxBody, "a body past the limit");
        outcome->responses.append(flatten(r));
        result = parser.next();
    }
}

Outcome run(const QByteArray &stream, const QList<qsizetype> &cuts, qint64 maxBody, bool head)
{
    HttpResponseParser parser(maxBody);
    parser.setHeadRequest(head);
    Outcome outcome;
    qsizetype from = 0;
    QList<qsizetype> ends = cuts;
    ends.append(stream.size());
    for (const qsizetype to : ends) {
        if (!drain(parser, parser.feed(stream.mid(from, to - from)), &outcome, maxBody)) {
            FUZZ_CHECK(parser.feed("HTTP/1.1 200 OK\r\n\r\n").status == Status::Error, "a failed parser read on");
            return outcome;
        }
        from = to;
    }
    drain(parser, parser.finish(), &outcome, maxBody);
    if (outcome.end != Status::Error)
        FUZZ_CHECK(parser.isIdle(), "finish() left bytes behind");
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    // Byte 0: HEAD or not, and the body limit; byte 1: the seed of the split points.
    const bool head = data[0] & 1;
    const qint64 maxBody = (data[0] & 2) ? HttpResponseParser::kDefaultMaxBodyBytes : qint64(data[0] >> 2) * 4;
    uint32_t seed = data[1];
    const QByteArray stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    QList<qsizetype> cuts;
    for (qsizetype at = 0;;) {
        seed = seed * 1103515245u + 12345u;
        at += 1 + qsizetype((seed >> 16) % 17);
        if (at >= stream.size())
            break;
        cuts.append(at);
    }

    const Outcome whole = run(stream, {}, maxBody, head);
    const Outcome pieces = run(stream, cuts, maxBody, head);
    FUZZ_CHECK(whole.end == pieces.end, "the split changed how the stream ended");
    FUZZ_CHECK(whole.responses == pieces.responses, "the split changed the responses");
    return 0;
}
