#include "bench/figure.h"

#include <cmath>

namespace duplex::bench {

QString figure(double value, int decimals)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("n/a");
}

QJsonValue jsonFigure(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}

double ratio(double duplex, double peer)
{
    return std::isfinite(duplex) && std::isfinite(peer) && peer != 0 ? duplex / peer : std::nan("");
}

} // namespace duplex::bench
