#pragma once

#include <QJsonValue>
#include <QString>

#include <vector>

namespace duplex::bench {

// Nearest-rank percentile of a non-empty sample; partially sorts `samples`.
qint32 percentile(std::vector<qint32> &samples, double fraction);

// A figure for a report table: `value` with `decimals`, or "n/a" when it is negative,
// which is how the reports mark what was not measured.
QString figure(double value, int decimals);

// The JSON counterpart of figure(): null for a negative (unmeasured) value.
QJsonValue jsonFigure(double value);

} // namespace duplex::bench
