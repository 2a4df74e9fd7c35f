#pragma once

#include <QString>

namespace duplex::util {

// Command-line values with a range, shared by every binary's option parser: true and
// *out set when `text` is a number (an integer for the first two) within [low, high];
// false, *out untouched, otherwise, so the caller words the error for its option.
bool readInteger(const QString &text, qint64 low, qint64 high, qint64 *out);
bool readInteger(const QString &text, int low, int high, int *out);
bool readNumber(const QString &text, double low, double high, double *out);

} // namespace duplex::util
