#include "load/payload.h"

#include <algorithm>
#include <chrono>

namespace duplex::load {

namespace {

constexpr int kSentDigits = 8;
constexpr int kPublisherDigits = 2;
constexpr int kCounterDigits = 6;
// The filler cycles through а..я (U+0430..U+044F): all in the BMP, so one QChar is one
// character, and each is 2 bytes in UTF-8, so "S characters" really are not S bytes.
constexpr char16_t kFillerFirst = 0x0430;
constexpr int kFillerCycle = 32;

qint64 positiveModulo(qint64 value, qint64 modulus)
{
    const qint64 r = value % modulus;
    return r < 0 ? r + modulus : r;
}

void appendBase36(QString &out, qint64 value, int digits)
{
    static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    QChar buffer[kSentDigits];
    for (int i = digits - 1; i >= 0; --i) {
        buffer[i] = QLatin1Char(kDigits[value % 36]);
        value /= 36;
    }
    out.append(buffer, digits);
}

// The value of `digits` base-36 characters at `from`, or -1 when one is not [0-9a-z].
qint64 readBase36(const QString &text, int from, int digits)
{
    qint64 value = 0;
    for (int i = from; i < from + digits; ++i) {
        const char16_t c = text.at(i).unicode();
        int digit;
        if (c >= u'0' && c <= u'9')
            digit = c - u'0';
        else if (c >= u'a' && c <= u'z')
            digit = c - u'a' + 10;
        else
            return -1;
        value = value * 36 + digit;
    }
    return value;
}

QChar fillerAt(int position)
{
    return QChar(char16_t(kFillerFirst + (position - kMinPayloadSize) % kFillerCycle));
}

PayloadParse bad(int size, QString error)
{
    PayloadParse parse;
    parse.status = PayloadParse::Status::Bad;
    parse.size = size;
    parse.error = std::move(error);
    return parse;
}

} // namespace

QString encodePayload(const Payload &payload, int size)
{
    size = std::max(size, kMinPayloadSize);
    QString text;
    text.reserve(size);
    appendBase36(text, positiveModulo(payload.sentUs, kSentModulus), kSentDigits);
    appendBase36(text, positiveModulo(payload.publisher, kPublisherLimit), kPublisherDigits);
    appendBase36(text, positiveModulo(payload.counter, kCounterLimit), kCounterDigits);
    for (int i = kMinPayloadSize; i < size; ++i)
        text.append(fillerAt(i));
    return text;
}

PayloadParse decodePayload(const QString &text)
{
    const int size = int(text.size());
    if (size < kMinPayloadSize)
        return bad(size, QStringLiteral("payload is %1 characters, the header alone is %2").arg(size).arg(kMinPayloadSize));
    const qint64 sent = readBase36(text, 0, kSentDigits);
    const qint64 publisher = readBase36(text, kSentDigits, kPublisherDigits);
    const qint64 counter = readBase36(text, kSentDigits + kPublisherDigits, kCounterDigits);
    if (sent < 0 || publisher < 0 || counter < 0)
        return bad(size, QStringLiteral("header is not base 36: %1").arg(text.left(kMinPayloadSize)));
    for (int i = kMinPayloadSize; i < size; ++i) {
        if (text.at(i) != fillerAt(i))
            return bad(size, QStringLiteral("filler corrupted at character %1 (U+%2)")
                                 .arg(i)
                                 .arg(uint(text.at(i).unicode()), 4, 16, QLatin1Char('0')));
    }
    PayloadParse parse;
    parse.size = size;
    parse.payload.sentUs = sent;
    parse.payload.publisher = int(publisher);
    parse.payload.counter = counter;
    return parse;
}

qint64 latencyUs(qint64 sentUsMod, qint64 nowUs)
{
    const qint64 diff = positiveModulo(nowUs - positiveModulo(sentUsMod, kSentModulus), kSentModulus);
    return diff > kSentModulus / 2 ? diff - kSentModulus : diff;
}

qint64 nowMicros()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace duplex::load
