#include "load/reportjson.h"

#include "load/latencyhistogram.h"
#include "load/transportreport.h"
#include "util/jsonnumber.h"

#include <QJsonDocument>

#include <cmath>

namespace duplex::load::reportjson {

bool readLine(const QByteArray &line, QJsonObject *out, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = parseError.errorString() + QStringLiteral(" at offset ") + QString::number(parseError.offset);
        return false;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("not a JSON object");
        return false;
    }
    *out = doc.object();
    return true;
}

bool readReportFields(const QJsonObject &holder, qint64 *elapsedMs, QJsonObject *byName, QString *error)
{
    if (!util::readJsonInteger(holder.value(QLatin1String("t")), elapsedMs)) {
        *error = QStringLiteral("\"t\" is not an integer");
        return false;
    }
    const QJsonValue transports = holder.value(QLatin1String("transports"));
    if (!transports.isObject()) {
        *error = QStringLiteral("\"transports\" is not an object");
        return false;
    }
    *byName = transports.toObject();
    return true;
}

bool readCount(const QJsonObject &object, const char *key, qint64 *out)
{
    return util::readJsonInteger(object.value(QLatin1String(key)), out) && *out >= 0;
}

bool readMs(const QJsonObject &object, const char *key, double *out)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isNull()) {
        *out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (!value.isDouble() || !std::isfinite(value.toDouble()))
        return false;
    *out = value.toDouble();
    return true;
}

bool readPercentiles(const QJsonObject &object, LatencyPercentiles *out)
{
    return readMs(object, "p50", &out->p50Ms) && readMs(object, "p90", &out->p90Ms)
        && readMs(object, "p99", &out->p99Ms) && readMs(object, "max", &out->maxMs);
}

bool readHistogram(const QJsonObject &object, LatencyHistogram *out, bool *present, QString *error)
{
    const QJsonValue value = object.value(QLatin1String("hist"));
    *present = !value.isUndefined();
    if (!*present)
        return true;
    if (!value.isObject()) {
        *error = QStringLiteral("\"hist\" is not an object");
        return false;
    }
    LatencyHistogramParse parse = LatencyHistogram::fromJson(value.toObject());
    if (parse.status != LatencyHistogramParse::Status::Ok) {
        *error = parse.error;
        return false;
    }
    *out = std::move(parse.histogram);
    return true;
}

} // namespace duplex::load::reportjson
