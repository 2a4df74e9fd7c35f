#include "load/fixednumber.h"

#include <cmath>

namespace duplex::load {

QByteArray fixedNumber(double value, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    double rounded = std::round(value * scale) / scale;
    if (rounded == 0)
        rounded = 0;
    return QByteArray::number(rounded, 'f', decimals);
}

} // namespace duplex::load
