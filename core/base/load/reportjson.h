#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

// Reading what the two JSON report lines (load/intervaljson.h, load/summaryjson.h) share:
// each function is true with its output set, false when the field is missing or wrong.
namespace duplex::load {

class LatencyHistogram;
struct LatencyPercentiles;

namespace reportjson {

// The top-level object of a line; false with `error` saying why it is not one.
bool readLine(const QByteArray &line, QJsonObject *out, QString *error);

// `t` and the `transports` object, which both lines carry; false with `error` saying
// which is wrong.
bool readReportFields(const QJsonObject &holder, qint64 *elapsedMs, QJsonObject *byName, QString *error);

// A count: an integer, not negative.
bool readCount(const QJsonObject &object, const char *key, qint64 *out);

// A millisecond field: a number, or null for "there was none" (NaN).
bool readMs(const QJsonObject &object, const char *key, double *out);

// p50, p90, p99 and max, each read as readMs() does.
bool readPercentiles(const QJsonObject &object, LatencyPercentiles *out);

// The optional "hist" of a transport, with *present saying whether it was there; false
// (with `error`) only when present and bad.
bool readHistogram(const QJsonObject &object, LatencyHistogram *out, bool *present, QString *error);

} // namespace reportjson

} // namespace duplex::load
