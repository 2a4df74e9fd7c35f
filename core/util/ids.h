#pragma once

#include <QByteArray>
#include <QString>

namespace duplex::util {

// A random client id: 16 lowercase hex digits.
QString newClientId();

// A random cluster secret: 32 bytes as 64 hex digits.
QByteArray newSecret();

} // namespace duplex::util
