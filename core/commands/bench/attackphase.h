#pragma once

#include "bench/hostilebenchoptions.h"
#include "client/websocketclient.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>

class QTimer;

namespace duplex::attack {
class RawWebSocket;
class RequestFlood;
}

namespace duplex::bench {

// One attack of the hostile bench against a cluster at host:port, bounded in count and
// stopped when its phase ends: prepare() sets up what must exist before it (the events a
// resume reads, the non-readers' handshakes), start() attacks, stop() ends every client.
// HostileBench runs it on a thread of its own, so the attack's own work never delays the
// bystander it measures: it is driven by queued calls and answers with signals.
class AttackPhase final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AttackPhase)

public:
    AttackPhase(HostileAttack attack, QString host, quint16 port, QObject *parent = nullptr);
    ~AttackPhase() override;

    // Answered by prepared(), also when the preparation fell short (outcome() says so).
    void prepare();
    void start();
    void stop();

    HostileAttack attack() const { return m_attack; }
    // Whether the attack is a bounded amount of work (a flood of requests, a resume) that
    // its phase waits for, rather than pressure kept up for the phase's time.
    static bool isCountBounded(HostileAttack attack);
    // What the attack achieved, in a few words ("20 of 20 closed by the node").
    QString outcome() const;

signals:
    void prepared();
    // After stop(): what the attack achieved.
    void stopped(const QString &outcome);
    // A count-bounded attack's work is all done (every request answered, every event resumed).
    void completed();

private:
    // The one set of options of every WebSocket client the phase opens (feeders, and the
    // resumers with a `since`): messages only, so its clients take no part in presence.
    client::WebSocketClient::Options feederOptions(const QString &channel) const;
    void preparePublishes(const QString &channel, int count, const QString &payload);
    void openRaw(int count, const QByteArray &target, bool reads);
    void handleFloodTick();
    void finishPreparing();
    void complete();

    HostileAttack m_attack;
    QString m_host;
    quint16 m_port;
    QList<attack::RawWebSocket *> m_raw;
    attack::RequestFlood *m_flood = nullptr;
    client::WebSocketClient *m_feeder = nullptr;
    QList<client::WebSocketClient *> m_resumers;
    QList<qint64> m_resumed; // messages received per resuming client
    QTimer *m_floodTimer;
    QTimer *m_prepareDeadline;
    bool m_preparing = false;
    bool m_running = false;
    int m_opened = 0;
    qint64 m_framesWritten = 0;
    int m_closes = 0;
    int m_reopens = 0;
    qint64 m_fed = 0;      // publishes of the preparation or the attack sent
    qint64 m_fedAcked = 0; // and acknowledged
    QString m_prepareProblem;
    QElapsedTimer m_clock;          // from start()
    qint64 m_completedMs = -1;      // when the count-bounded work was done
};

} // namespace duplex::bench
