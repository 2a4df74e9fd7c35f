#include "load/jsonfields.h"

#include "load/fixednumber.h"
#include "load/latencyhistogram.h"
#include "load/transportreport.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace duplex::load {

void JsonFields::add(const char *key, const QByteArray &json)
{
    if (!m_text.isEmpty())
        m_text += ',';
    m_text += '"';
    m_text += key;
    m_text += "\":";
    m_text += json;
}

void JsonFields::add(const char *key, qint64 value)
{
    add(key, QByteArray::number(value));
}

void JsonFields::add(const char *key, double value)
{
    add(key, std::isfinite(value) ? fixedNumber(value, 3) : QByteArrayLiteral("null"));
}

void JsonFields::add(const char *key, const QJsonObject &object)
{
    add(key, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

void JsonFields::addPercentiles(const LatencyHistogram &latency)
{
    const LatencyPercentiles p = percentilesOf(latency);
    add("p50", p.p50Ms);
    add("p90", p.p90Ms);
    add("p99", p.p99Ms);
    add("max", p.maxMs);
}

QByteArray JsonFields::quoted(const QString &text)
{
    // QJsonDocument writes arrays and objects only: a one-string array, brackets cut off.
    const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

} // namespace duplex::load
