#pragma once

#include <QString>

namespace duplex::peer {

// Where Debian's libnginx-mod-nchan installs the module.
inline constexpr char kNchanModulePath[] = "/usr/lib/nginx/modules/ngx_nchan_module.so";

// The paths of the nchan instance's endpoints (the config and the clients agree on them).
inline constexpr char kNchanPublishPath[] = "/pub";
inline constexpr char kNchanSubscribePath[] = "/sub";
inline constexpr char kNchanHealthPath[] = "/_nchan/health";
inline constexpr char kNchanStatusPath[] = "/_nchan/status";
// The channel when a request names none with ?channel=.
inline constexpr char kNchanDefaultChannel[] = "main";

// One value of it is one nginx configuration of the nchan yardstick.
struct NchanSettings
{
    QString prefix;            // absolute runtime directory (logs/ and temp/ inside)
    quint16 port = 0;          // on 127.0.0.1
    int workers = 2;
    int bufferLength = 10000;  // messages nchan keeps per channel
    int messageTimeoutSeconds = 3600; // 0: messages never expire
    QString modulePath = QString::fromLatin1(kNchanModulePath);
};

// A complete nginx.conf for a user-level nginx that serves one nchan pub/sub endpoint pair
// on 127.0.0.1:port: POST /pub?channel=C publishes, /sub?channel=C subscribes (WebSocket or
// long-poll, starting at the next message), plus a health and a stub-status location.
QString renderNchanConfig(const NchanSettings &settings);

} // namespace duplex::peer
