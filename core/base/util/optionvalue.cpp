#include "util/optionvalue.h"

namespace duplex::util {

bool readInteger(const QString &text, qint64 low, qint64 high, qint64 *out)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < low || value > high)
        return false;
    *out = value;
    return true;
}

bool readInteger(const QString &text, int low, int high, int *out)
{
    qint64 value = 0;
    if (!readInteger(text, qint64(low), qint64(high), &value))
        return false;
    *out = int(value);
    return true;
}

bool readNumber(const QString &text, double low, double high, double *out)
{
    bool ok = false;
    const double value = text.toDouble(&ok);
    // Written so that NaN fails both comparisons.
    if (!ok || !(value >= low) || !(value <= high))
        return false;
    *out = value;
    return true;
}

} // namespace duplex::util
