#include "bench/bystander.h"

#include "client/cometclient.h"
#include "client/websocketclient.h"
#include "protocol/event.h"

#include <QJsonObject>
#include <QTimer>

namespace duplex::bench {

namespace {

const QString kChannel = QStringLiteral("bystander");

template <typename Options>
Options channelOptions(const QString &host, quint16 port)
{
    Options o;
    o.host = host;
    o.port = port;
    o.channel = kChannel;
    o.presence = false;
    return o;
}

} // namespace

Bystander::Bystander(QString host, quint16 port, int ratePerSecond, QObject *parent)
    : QObject(parent)
    , m_rate(ratePerSecond)
    , m_publisher(new client::WebSocketClient(channelOptions<client::WebSocketClient::Options>(host, port), this))
    , m_webSocketReader(new client::WebSocketClient(channelOptions<client::WebSocketClient::Options>(host, port), this))
    , m_cometReader(new client::CometClient(channelOptions<client::CometClient::Options>(host, port), this))
    , m_tick(new QTimer(this))
{
    m_clock.start();
    // A 5 ms tick publishes whatever is due by the clock, so a late tick does not lower the rate.
    m_tick->setInterval(5);
    m_tick->setTimerType(Qt::PreciseTimer);
    connect(m_tick, &QTimer::timeout, this, &Bystander::handleTick);
    connect(m_publisher, &client::ChannelClient::publishFailed, this, [this] { ++m_publishFailures; });
    connect(m_webSocketReader, &client::ChannelClient::eventReceived, this,
            [this](const protocol::Event &e) { handleEvent(e, &m_webSocket, &m_webSocketSeen); });
    connect(m_cometReader, &client::ChannelClient::eventReceived, this,
            [this](const protocol::Event &e) { handleEvent(e, &m_comet, &m_cometSeen); });
    for (client::ChannelClient *c : {static_cast<client::ChannelClient *>(m_publisher),
                                     static_cast<client::ChannelClient *>(m_webSocketReader),
                                     static_cast<client::ChannelClient *>(m_cometReader)})
        connect(c, &client::ChannelClient::welcomed, this, &Bystander::handleWelcomed);
}

Bystander::~Bystander() = default;

void Bystander::start()
{
    m_publisher->start();
    m_webSocketReader->start();
    m_cometReader->start();
}

void Bystander::stop()
{
    m_tick->stop();
    m_publisher->stop();
    m_webSocketReader->stop();
    m_cometReader->stop();
}

void Bystander::handleWelcomed()
{
    // Welcomes come again after a reconnect: ready() is said once.
    if (++m_welcomed == 3)
        emit ready();
}

void Bystander::beginPhase(int phase)
{
    m_phase = phase;
    m_sent = 0;
    m_publishFailures = 0;
    m_webSocket = Tally();
    m_comet = Tally();
    m_webSocketSeen.clear();
    m_cometSeen.clear();
    m_reconnectsAtPhase = m_publisher->reconnects() + m_webSocketReader->reconnects() + m_cometReader->reconnects();
    m_phaseClock.start();
    m_tick->start();
}

void Bystander::endPublishing()
{
    m_tick->stop();
}

qint64 Bystander::reconnects() const
{
    return m_publisher->reconnects() + m_webSocketReader->reconnects() + m_cometReader->reconnects() - m_reconnectsAtPhase;
}

void Bystander::handleTick()
{
    const qint64 due = m_phaseClock.elapsed() * m_rate / 1000;
    while (m_sent < due) {
        m_publisher->publish(QJsonObject{{QStringLiteral("p"), m_phase},
                                         {QStringLiteral("n"), m_sent},
                                         {QStringLiteral("t"), m_clock.nsecsElapsed() / 1000}});
        ++m_sent;
    }
}

void Bystander::handleEvent(const protocol::Event &event, Tally *tally, QSet<qint64> *seen)
{
    if (event.type != protocol::EventType::Message || !event.data.isObject())
        return;
    const QJsonObject data = event.data.toObject();
    if (data.value(QStringLiteral("p")).toInt(-1) != m_phase)
        return;
    const qint64 n = qint64(data.value(QStringLiteral("n")).toDouble(-1));
    if (n < 0 || seen->contains(n))
        return;
    seen->insert(n);
    ++tally->received;
    tally->latencyUs.record(m_clock.nsecsElapsed() / 1000 - qint64(data.value(QStringLiteral("t")).toDouble()));
}

} // namespace duplex::bench
