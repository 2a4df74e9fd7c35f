#pragma once

#include "util/role.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

namespace duplex::app {

struct ServerOptions
{
    QString name;                          // node name shown to clients (welcome.node)
    QHostAddress host = QHostAddress::LocalHost;
    quint16 port = 0;                      // 0 = ephemeral
    quint16 adminPort = 0;                 // /healthz and /metrics; 0 = ephemeral
    QHostAddress brokerHost = QHostAddress::LocalHost;
    quint16 brokerPort = 0;                // nodes: required
    int history = 10000;                   // broker: events kept per channel
    qint64 historyBytes = 64 * 1024 * 1024; // broker: and at most this many bytes of them per channel
    qint64 historyTotalBytes = 256LL << 20; // broker: and at most this many over all channels
    qint64 maxNodeLag = 64 * 1024 * 1024;  // broker: a node this far behind in bytes is dropped
    int maxChannels = 100000;              // broker: channels numbered at most
    qint64 dedupeBytes = 64LL << 20;       // broker: bytes of publish ids remembered for 5 minutes
    int buffer = 1000;                     // nodes: events kept per channel locally
    qint64 bufferBytes = 8LL << 20;        // nodes: and at most this many bytes of them per channel
    qint64 bufferTotalBytes = 256LL << 20; // nodes: and at most this many over all channels
    int channelIdleMs = 300000;            // nodes: a channel unused this long is forgotten
    qint64 maxMessageBytes = 64 * 1024;
    double rateLimit = 1000;               // publishes per second per client
    int holdSeconds = 25;                  // Comet: how long a poll is held before `[]`
    int maxConnections = 10000;            // nodes: WebSocket connections, or Comet clients known
    int maxPerAddress = 1000;              // WebSocket: connections from one source address
    int presenceLimit = 1000;              // nodes: more members of a channel here, no join/leave sent
    qint64 maxLagMs = 10000;               // WebSocket: a reader this far behind is closed
    qint64 maxBacklogBytes = 64LL << 20;   // WebSocket: unsent bytes of one connection, at most
    qint64 maxOutboundBytes = 256LL << 20; // WebSocket: unsent bytes of all connections, at most
    double newSessionRate = 20;            // Comet: new clients per second per source address
    QString root;                          // static node: directory served
    QByteArray secret;                     // from the environment, DUPLEX_SECRET
};

struct ServerOptionsParse
{
    enum class Status { Ok, Help, Error };
    Status status = Status::Ok;
    ServerOptions options;
    QString text; // help text, or the error in one line
};


// Parses `arguments` (including argv[0]) for `role`; `secret` is the value of
// DUPLEX_SECRET (empty when unset), `defaultRoot` the static node's default directory.
ServerOptionsParse parseServerOptions(util::Role role, const QStringList &arguments,
                                      const QByteArray &secret, const QString &defaultRoot = {});

} // namespace duplex::app
