#include "timedpayload.h"

namespace duplex::bench::timedpayload {

namespace {

// Strict lowercase hex: QString::toLongLong(…, 16) would also take upper case, a sign
// or spaces, and a corrupted payload must not decode.
qint64 parseHex(QStringView digits)
{
    qint64 value = 0;
    for (const QChar c : digits) {
        const char16_t u = c.unicode();
        int digit = -1;
        if (u >= u'0' && u <= u'9')
            digit = u - u'0';
        else if (u >= u'a' && u <= u'f')
            digit = u - u'a' + 10;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

} // namespace

QString encode(qint64 counter, qint64 sendUs, int size)
{
    QString text = QString::number(counter, 16).rightJustified(kCounterDigits, QLatin1Char('0'))
        + QString::number(sendUs, 16).rightJustified(kTimeDigits, QLatin1Char('0'));
    return text.leftJustified(size, QLatin1Char('.'));
}

Decoded decode(const QString &data, int size)
{
    Decoded d;
    if (size < kMinSize || data.size() != size)
        return d;
    for (qsizetype i = kMinSize; i < data.size(); ++i) {
        if (data.at(i) != QLatin1Char('.'))
            return d;
    }
    const QStringView view(data);
    d.counter = parseHex(view.left(kCounterDigits));
    d.sendUs = parseHex(view.mid(kCounterDigits, kTimeDigits));
    d.ok = d.counter >= 0 && d.sendUs >= 0;
    return d;
}

} // namespace duplex::bench::timedpayload
