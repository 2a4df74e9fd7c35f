#include "load/figure.h"

#include "load/fixednumber.h"

#include <cmath>

namespace duplex::load {

QString figure(double value, int decimals)
{
    return std::isfinite(value) ? QString::fromLatin1(fixedNumber(value, decimals)) : QStringLiteral("n/a");
}

QJsonValue jsonFigure(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}

double ratio(double duplex, double peer)
{
    return std::isfinite(duplex) && std::isfinite(peer) && peer != 0 ? duplex / peer : std::nan("");
}

} // namespace duplex::load
