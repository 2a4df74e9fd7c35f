#pragma once

#include <QByteArray>
#include <QString>

namespace duplex::util {

// A random client id: 16 lowercase hex digits.
QString newClientId();

// A random cluster secret: 32 bytes as 64 hex digits.
QByteArray newSecret();

// The environment variable that carries the cluster secret to the broker and nodes.
inline constexpr char kSecretEnv[] = "DUPLEX_SECRET";

} // namespace duplex::util
