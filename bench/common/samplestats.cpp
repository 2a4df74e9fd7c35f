#include "samplestats.h"

#include <algorithm>

namespace duplex::bench {

qint32 percentile(std::vector<qint32> &samples, double fraction)
{
    const size_t rank = std::min(samples.size() - 1, size_t(fraction * double(samples.size())));
    std::nth_element(samples.begin(), samples.begin() + qptrdiff(rank), samples.end());
    return samples[rank];
}

QString figure(double value, int decimals)
{
    return value < 0 ? QStringLiteral("n/a") : QString::number(value, 'f', decimals);
}

QJsonValue jsonFigure(double value)
{
    return value < 0 ? QJsonValue() : QJsonValue(value);
}

} // namespace duplex::bench
