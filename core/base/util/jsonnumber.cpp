#include "util/jsonnumber.h"

#include <cmath>

namespace duplex::util {

bool readJsonInteger(const QJsonValue &value, qint64 *out)
{
    if (!value.isDouble())
        return false;
    const double d = value.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9007199254740992.0)
        return false;
    *out = qint64(d);
    return true;
}

bool readJsonCount(const QJsonValue &value, qint64 *out)
{
    qint64 v = 0;
    if (!readJsonInteger(value, &v) || v < 0)
        return false;
    *out = v;
    return true;
}

} // namespace duplex::util
