#pragma once

#include <QJsonValue>

namespace duplex::util {

// JSON numbers are doubles: an integer field is one whose value is integral and exact
// (|v| <= 2^53). True with *out set; false, *out untouched, for anything else.
bool readJsonInteger(const QJsonValue &value, qint64 *out);

// The same, and not negative: counts, ticks, indexes.
bool readJsonCount(const QJsonValue &value, qint64 *out);

} // namespace duplex::util
