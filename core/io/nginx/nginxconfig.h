#pragma once

#include <QList>
#include <QString>

namespace duplex::nginx {

// How nginx keeps a Comet client on one node.
enum class CometBalance {
    IpHash, // the thesis: by client address (first three octets of IPv4)
    Client  // by the clientId query argument, consistent hashing
};

bool cometBalanceFromName(const QString &name, CometBalance *balance);

struct Upstream
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;
};

// Everything the template needs; one value of it is one nginx configuration.
struct NginxSettings
{
    QString prefix;                 // absolute runtime directory
    QString listenAddress = QStringLiteral("127.0.0.1");
    quint16 port = 8080;
    int workers = 2;
    QList<Upstream> webSocketNodes;
    QList<Upstream> cometNodes;
    Upstream staticNode;
    CometBalance cometBalance = CometBalance::IpHash;
    int cometHoldSeconds = 25;
};

// Renders nginx/duplex.conf.in (or any template of its shape) with `settings`.
QString renderNginxConfig(const QString &templateText, const NginxSettings &settings);

// The template compiled into duplexcore.
QString builtinNginxTemplate();

} // namespace duplex::nginx
