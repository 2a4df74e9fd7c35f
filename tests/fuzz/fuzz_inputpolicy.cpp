// Contract: protocol::isValidUtf8 says exactly what Qt's own UTF-8 decoder says, so a
// publish that passes it is carried byte for byte (decoding to QString and back changes
// nothing), and one that fails it would have been altered (U+FFFD). jsonNestingDepth
// never counts less than the document Qt's parser makes of a text, counts exactly what
// Qt writes, and with a `stopAbove` is exact up to that bound and only says "deeper" past it.
#include "fuzzcheck.h"

#include "protocol/inputpolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>
#include <QStringEncoder>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>

using namespace duplex::protocol;

namespace {

// The independent reference: Qt's decoder, with a leading byte order mark kept as text.
bool qtSaysValid(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    const QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return false;
    return text.toUtf8() == bytes;
}

int depthOf(const QJsonValue &value)
{
    int deepest = 0;
    if (value.isArray()) {
        for (const QJsonValue &v : value.toArray())
            deepest = std::max(deepest, depthOf(v));
        return deepest + 1;
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            deepest = std::max(deepest, depthOf(it.value()));
        return deepest + 1;
    }
    return 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));

    FUZZ_CHECK(isValidUtf8(input) == qtSaysValid(input), "isValidUtf8 disagrees with Qt's UTF-8 decoder");

    const int full = jsonNestingDepth(input, INT_MAX);
    FUZZ_CHECK(full >= 0, "negative depth");
    for (const int stopAbove : {0, 1, 2, 5, 32, 33}) {
        const int bounded = jsonNestingDepth(input, stopAbove);
        if (full <= stopAbove)
            FUZZ_CHECK(bounded == full, "a bound at or above the depth changed the answer");
        else
            FUZZ_CHECK(bounded > stopAbove && bounded <= full, "past the bound, the answer is not 'deeper'");
    }

    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(input, &error);
    if (error.error == QJsonParseError::NoError && (doc.isArray() || doc.isObject())) {
        const int parsed = doc.isArray() ? depthOf(doc.array()) : depthOf(doc.object());
        // The text can nest deeper than the document: of a repeated key the parser keeps
        // the last value, so an earlier, deeper one is in the text only.
        FUZZ_CHECK(full >= parsed, "jsonNestingDepth is below the parsed document's depth");
        // Qt's own writing of the document (escapes, no repeated keys) counts exactly.
        FUZZ_CHECK(jsonNestingDepth(doc.toJson(QJsonDocument::Compact), INT_MAX) == parsed,
                   "jsonNestingDepth differs from the depth of the document Qt wrote");
        FUZZ_CHECK(jsonNestingDepth(doc.toJson(QJsonDocument::Indented), INT_MAX) == parsed,
                   "jsonNestingDepth differs from the depth of the document Qt wrote (indented)");
    }
    return 0;
}
