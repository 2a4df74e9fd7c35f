#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QString>

namespace duplex::http {

// The address a request came from, for per-address limits: behind the cluster's nginx
// every connection comes from loopback, and nginx names the client in `X-Real-IP`
// (`realIp`, the header's value). That header is believed only from a loopback peer
// (where only the cluster's own nginx runs); from anywhere else, or when it is not an
// address, the peer's address is the answer. IPv4 as IPv4 even on an IPv6 socket, so one
// client cannot pass for two (toString() is canonical: no spelling makes a second key).
QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &realIp);

// Whether per-address limits apply to `address`: not to loopback, where only the
// operator's own clients (load tests, health checks) can come from, as fail2ban's default.
bool isLimitedAddress(const QHostAddress &address);

} // namespace duplex::http
