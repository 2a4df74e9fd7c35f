#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace duplex::protocol {

// How a client reaches the cluster. The one list of them: names, labels and every parse
// of a transport go through here.
enum class Transport { WebSocket, Comet };

inline constexpr Transport kTransports[] = {Transport::WebSocket, Transport::Comet};

// The contract's name: "ws", "comet" (join events, load reports, command lines).
QString transportName(Transport transport);

// For people: "WebSocket", "Comet".
QString transportLabel(Transport transport);

// The transport a name stands for; nothing for any other text.
std::optional<Transport> transportFromName(QStringView name);

} // namespace duplex::protocol
