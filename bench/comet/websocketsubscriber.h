#pragma once

#include "benchsubscriber.h"

#include <QUrl>

class QWebSocket;

namespace duplex::bench {

// A bench subscriber on the WebSocket surface (`/ws/?channel=…`), as browsers use it.
class WebSocketSubscriber final : public BenchSubscriber
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebSocketSubscriber)

public:
    WebSocketSubscriber(const QUrl &url, const Publication *publication, QObject *parent = nullptr);
    ~WebSocketSubscriber() override;

    void open() override;

private:
    void handleText(const QString &text);

    QUrl m_url;
    QWebSocket *m_socket;
};

} // namespace duplex::bench
