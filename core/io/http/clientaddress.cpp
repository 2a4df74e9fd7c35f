#include "http/clientaddress.h"

namespace duplex::http {

QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &realIp)
{
    QHostAddress address = peer;
    if (peer.isLoopback() && !realIp.isEmpty()) {
        QHostAddress named;
        if (named.setAddress(QString::fromLatin1(realIp.trimmed())))
            address = named;
    }
    // An IPv4 client seen on an IPv6 socket (::ffff:a.b.c.d) is the IPv4 address.
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

bool isLimitedAddress(const QHostAddress &address)
{
    return !address.isLoopback();
}

} // namespace duplex::http
