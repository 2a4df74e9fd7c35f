#pragma once

#include <QByteArray>
#include <QJsonObject>

namespace duplex::util {

// Every Duplex server announces that it listens with one stdout line,
// `READY {"role":"ws","port":41235,"admin":41236,...}`, which the controller waits for:
// this one, newline included.
QByteArray readyLine(const QJsonObject &info);

// Reads such a line; false for any other line.
bool parseReadyLine(const QByteArray &line, QJsonObject *info);

} // namespace duplex::util
