#pragma once

#include "load/latencyhistogram.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QString>

class QTimer;

namespace duplex::client {
class ChannelClient;
class CometClient;
class WebSocketClient;
}
namespace duplex::protocol {
struct Event;
}

namespace duplex::bench {

// The ordinary user beside an attack: one WebSocket client publishing small timestamped
// messages on one channel at a steady rate, read by a WebSocket and a Comet subscriber,
// each measuring publish-to-receipt latency on this process's monotonic clock. Counted per
// phase: a message is tagged with its phase and counted by the phase that sent it.
class Bystander final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Bystander)

public:
    struct Tally
    {
        qint64 received = 0; // distinct messages of the phase
        load::LatencyHistogram latencyUs;
    };

    Bystander(QString host, quint16 port, int ratePerSecond, QObject *parent = nullptr);
    ~Bystander() override;

    // Connects the three clients; ready() once each is welcomed.
    void start();
    void stop();
    // Starts publishing the messages of phase `phase`, counted afresh.
    void beginPhase(int phase);
    // Stops publishing; late deliveries of the phase still count.
    void endPublishing();

    qint64 sent() const { return m_sent; }
    qint64 publishFailures() const { return m_publishFailures; }
    const Tally &webSocket() const { return m_webSocket; }
    const Tally &comet() const { return m_comet; }
    // Both subscribers hold every message sent.
    bool complete() const { return m_webSocket.received >= m_sent && m_comet.received >= m_sent; }
    // Reconnects of the three clients since the phase began.
    qint64 reconnects() const;

signals:
    void ready();

private:
    void handleTick();
    void handleEvent(const protocol::Event &event, Tally *tally, QSet<qint64> *seen);
    void handleWelcomed();

    QElapsedTimer m_clock;
    QElapsedTimer m_phaseClock;
    int m_rate;
    client::WebSocketClient *m_publisher;
    client::WebSocketClient *m_webSocketReader;
    client::CometClient *m_cometReader;
    QTimer *m_tick;
    int m_welcomed = 0;
    int m_phase = -1;
    qint64 m_sent = 0;
    qint64 m_publishFailures = 0;
    qint64 m_reconnectsAtPhase = 0;
    Tally m_webSocket;
    Tally m_comet;
    QSet<qint64> m_webSocketSeen;
    QSet<qint64> m_cometSeen;
};

} // namespace duplex::bench
