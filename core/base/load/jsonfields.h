#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace duplex::load {

class LatencyHistogram;

// A JSON object written by hand, its fields in the order they are added: the report lines'
// documented field order (and the golden tests) should hold, and QJsonObject sorts keys.
class JsonFields final
{
public:
    // `json` is already JSON (a nested object, a number...).
    void add(const char *key, const QByteArray &json);
    void add(const char *key, qint64 value);
    // Milliseconds and rates: 3 decimals (exact for integer microseconds), null when the
    // value does not exist (NaN) or is not finite.
    void add(const char *key, double value);
    // Compact; its own keys sorted, which is fine for what is read back by key ("hist").
    void add(const char *key, const QJsonObject &object);
    // p50, p90, p99 and max of `latency` in milliseconds, null for an empty histogram.
    void addPercentiles(const LatencyHistogram &latency);

    QByteArray object() const { return '{' + m_text + '}'; }

    // `text` as a JSON string, quotes included: for keys that are data (transport names).
    static QByteArray quoted(const QString &text);

private:
    QByteArray m_text;
};

} // namespace duplex::load
