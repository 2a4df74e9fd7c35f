// Contract: the query of a subscription or a Comet publish (`/ws/?…`, `/xhr/…?…`), taken
// from any request target a client sends, as the WebSocket node (QUrlQuery of the request
// URL) and the Comet node (the HTTP server's URL) read it, is either refused with a reason
// and the contract's error code, or gives a valid channel, an empty or valid clientId,
// a since of -1 or 0..2^53, and nothing else.
#include "fuzzcheck.h"

#include "protocol/codec.h"

#include <QUrl>
#include <QUrlQuery>

#include <cstddef>
#include <cstdint>

using namespace duplex::protocol;

namespace {

void check(const QUrlQuery &query)
{
    const SubscribeParse parsed = parseSubscribeQuery(query);
    if (parsed.status != SubscribeParse::Status::Ok) {
        FUZZ_CHECK(!parsed.error.isEmpty(), "a refusal without a reason");
        const QString code = parsed.errorCode();
        FUZZ_CHECK(code == QLatin1String(parsed.status == SubscribeParse::Status::BadChannel ? "bad_channel" : "bad_request"),
                   "the wrong error code");
        return;
    }
    const SubscribeQuery &q = parsed.query;
    FUZZ_CHECK(isValidChannel(q.channel), "accepted an invalid channel");
    FUZZ_CHECK(q.clientId.isEmpty() || isValidClientId(q.clientId), "accepted an invalid clientId");
    FUZZ_CHECK(q.since == -1 || (q.since >= 0 && q.since <= (qint64(1) << 53)), "accepted a since out of range");
    if (!query.hasQueryItem(QStringLiteral("since")))
        FUZZ_CHECK(q.since == -1, "a since from nowhere");
    if (!query.hasQueryItem(QStringLiteral("channel")))
        FUZZ_CHECK(q.channel == QLatin1String("main"), "a channel from nowhere");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    // The target as the WebSocket handshake gives it, and as an encoded URL.
    check(QUrlQuery(QUrl(QStringLiteral("http://127.0.0.1") + QString::fromLatin1(input))));
    check(QUrlQuery(QUrl::fromEncoded(input)));
    // The raw query string, when the input is one.
    check(QUrlQuery(QString::fromUtf8(input)));
    return 0;
}
