#include "bench/attackphase.h"

#include "attack/rawwebsocket.h"
#include "attack/requestflood.h"
#include "protocol/event.h"

#include <QTimer>

#include <algorithm>

namespace duplex::bench {

namespace {

constexpr int kSlowReaders = 20;
constexpr int kSlowMessageBytes = 60 * 1024;
constexpr int kSlowRate = 50;
constexpr qint64 kPings = 300000;
constexpr int kMalformedClients = 4;
constexpr qint64 kMalformedFramesPerClient = 250000;
constexpr int kChannels = 10000;
constexpr int kClientIds = 20000;
constexpr int kResumers = 5;
constexpr int kResumeEvents = 1000;
constexpr int kResumeEventBytes = 16 * 1024;
// Frames are written in bursts while the socket's queue stays below this, so the attack
// is as fast as the connection takes it without holding megabytes in this process.
constexpr qint64 kQueueBytes = 256 * 1024;
constexpr int kBurst = 500;
constexpr int kPrepareTimeoutMs = 60000;

const QString kSlowChannel = QStringLiteral("hb-slow");
const QString kResumeChannel = QStringLiteral("hb-resume");
const QByteArray kIdsChannel = "hb-ids";

} // namespace

AttackPhase::AttackPhase(HostileAttack attack, QString host, quint16 port, QObject *parent)
    : QObject(parent)
    , m_attack(attack)
    , m_host(std::move(host))
    , m_port(port)
    , m_floodTimer(new QTimer(this))
    , m_prepareDeadline(new QTimer(this))
{
    m_floodTimer->setInterval(1);
    connect(m_floodTimer, &QTimer::timeout, this, &AttackPhase::handleFloodTick);
    m_prepareDeadline->setSingleShot(true);
    connect(m_prepareDeadline, &QTimer::timeout, this, [this] {
        m_prepareProblem = QStringLiteral("preparation timed out");
        finishPreparing();
    });
}

AttackPhase::~AttackPhase()
{
    stop();
}

bool AttackPhase::isCountBounded(HostileAttack attack)
{
    return attack == HostileAttack::ManyChannels || attack == HostileAttack::ManyClientIds || attack == HostileAttack::Resume;
}

void AttackPhase::complete()
{
    if (m_completedMs >= 0 || !m_running)
        return;
    m_completedMs = m_clock.elapsed();
    emit completed();
}

void AttackPhase::prepare()
{
    m_preparing = true;
    m_prepareDeadline->start(kPrepareTimeoutMs);
    switch (m_attack) {
    case HostileAttack::None:
    case HostileAttack::ManyChannels:
        finishPreparing();
        return;
    case HostileAttack::SlowReaders:
        openRaw(kSlowReaders, "/ws/?presence=0&channel=" + kSlowChannel.toLatin1(), false);
        return;
    case HostileAttack::PingFlood:
        openRaw(1, "/ws/?presence=0&channel=hb-ping", false);
        return;
    case HostileAttack::Malformed:
        openRaw(kMalformedClients, "/ws/?presence=0&channel=hb-malformed", true);
        return;
    case HostileAttack::ManyClientIds:
        // One event, so that every poll at since=0 is answered at once.
        preparePublishes(QString::fromLatin1(kIdsChannel), 1, QStringLiteral("first"));
        return;
    case HostileAttack::Resume:
        preparePublishes(kResumeChannel, kResumeEvents, QString(kResumeEventBytes, QLatin1Char('r')));
        return;
    }
}

void AttackPhase::finishPreparing()
{
    if (!m_preparing)
        return;
    m_preparing = false;
    m_prepareDeadline->stop();
    QMetaObject::invokeMethod(this, &AttackPhase::prepared, Qt::QueuedConnection);
}

void AttackPhase::openRaw(int count, const QByteArray &target, bool reads)
{
    for (int i = 0; i < count; ++i) {
        auto *socket = new attack::RawWebSocket(m_host, m_port, target,
                                                reads ? attack::RawWebSocket::Reading::Discard : attack::RawWebSocket::Reading::Never, this);
        m_raw << socket;
        connect(socket, &attack::RawWebSocket::opened, this, [this] {
            if (++m_opened == m_raw.size())
                finishPreparing();
        });
        connect(socket, &attack::RawWebSocket::closed, this, [this, socket] {
            ++m_closes;
            if (m_preparing) {
                m_prepareProblem = QStringLiteral("a handshake failed");
                finishPreparing();
            } else if (m_running && m_attack == HostileAttack::Malformed) {
                // A flooder closed by the node comes back, as a determined attacker would.
                ++m_reopens;
                socket->open();
            }
        });
        socket->open();
    }
}

client::WebSocketClient::Options AttackPhase::feederOptions(const QString &channel) const
{
    client::WebSocketClient::Options o;
    o.host = m_host;
    o.port = m_port;
    o.channel = channel;
    o.presence = false;
    return o;
}

void AttackPhase::preparePublishes(const QString &channel, int count, const QString &payload)
{
    m_feeder = new client::WebSocketClient(feederOptions(channel), this);
    // Published in bursts of 200 behind their acks, within the node's per-client burst.
    auto sendBurst = [this, count, payload] {
        const qint64 until = qMin<qint64>(count, m_fed + 200);
        while (m_fed < until) {
            m_feeder->publish(payload);
            ++m_fed;
        }
    };
    connect(m_feeder, &client::ChannelClient::welcomed, this, [sendBurst, this] {
        if (m_fed == 0)
            sendBurst();
    });
    connect(m_feeder, &client::ChannelClient::published, this, [this, count, sendBurst] {
        ++m_fedAcked;
        if (m_fedAcked == count)
            finishPreparing();
        else if (m_fedAcked == m_fed)
            sendBurst();
    });
    connect(m_feeder, &client::ChannelClient::publishFailed, this, [this](const QString &reason) {
        m_prepareProblem = QStringLiteral("a preparing publish failed: ") + reason;
        finishPreparing();
    });
    m_feeder->start();
}

void AttackPhase::start()
{
    m_running = true;
    m_clock.start();
    switch (m_attack) {
    case HostileAttack::None:
        return;
    case HostileAttack::SlowReaders: {
        m_feeder = new client::WebSocketClient(feederOptions(kSlowChannel), this);
        connect(m_feeder, &client::ChannelClient::published, this, [this] { ++m_fedAcked; });
        m_feeder->start();
        const QString payload(kSlowMessageBytes, QLatin1Char('s'));
        auto *timer = new QTimer(this);
        timer->setInterval(1000 / kSlowRate);
        connect(timer, &QTimer::timeout, this, [this, payload] {
            if (m_running && m_feeder->isConnected()) {
                m_feeder->publish(payload);
                ++m_fed;
            }
        });
        timer->start();
        return;
    }
    case HostileAttack::PingFlood:
    case HostileAttack::Malformed:
        m_floodTimer->start();
        return;
    case HostileAttack::ManyChannels:
    case HostileAttack::ManyClientIds: {
        attack::RequestFlood::Config c;
        c.host = m_host;
        c.port = m_port;
        if (m_attack == HostileAttack::ManyChannels) {
            c.method = "POST";
            c.count = kChannels;
            c.target = [](int i) {
                return "/xhr/publish?channel=hb-many-" + QByteArray::number(i) + "&clientId=mc-" + QByteArray::number(i);
            };
        } else {
            c.method = "GET";
            c.count = kClientIds;
            c.target = [](int i) {
                return "/xhr/subscribe?presence=0&since=0&channel=" + kIdsChannel + "&clientId=id-" + QByteArray::number(i);
            };
        }
        m_flood = new attack::RequestFlood(c, this);
        connect(m_flood, &attack::RequestFlood::finished, this, &AttackPhase::complete);
        m_flood->start();
        return;
    }
    case HostileAttack::Resume:
        for (int i = 0; i < kResumers; ++i) {
            client::WebSocketClient::Options o = feederOptions(kResumeChannel);
            o.since = 0;
            auto *resumer = new client::WebSocketClient(o, this);
            m_resumers << resumer;
            m_resumed << 0;
            connect(resumer, &client::ChannelClient::eventReceived, this, [this, i](const protocol::Event &e) {
                if (e.type != protocol::EventType::Message)
                    return;
                if (++m_resumed[i] == kResumeEvents
                    && std::all_of(m_resumed.cbegin(), m_resumed.cend(), [](qint64 n) { return n >= kResumeEvents; }))
                    complete();
            });
            resumer->start();
        }
        return;
    }
}

void AttackPhase::handleFloodTick()
{
    if (!m_running)
        return;
    const bool ping = m_attack == HostileAttack::PingFlood;
    static const QByteArray pingBurst = [] {
        QByteArray b;
        const QByteArray frame = attack::RawWebSocket::maskedFrame(0x9, QByteArray(125, 'p'));
        for (int i = 0; i < kBurst; ++i)
            b += frame;
        return b;
    }();
    static const QByteArray badBurst = [] {
        QByteArray b;
        const QByteArray frame = attack::RawWebSocket::maskedFrame(0x1, "{not json");
        for (int i = 0; i < kBurst; ++i)
            b += frame;
        return b;
    }();
    const qint64 limit = ping ? kPings : kMalformedFramesPerClient * kMalformedClients;
    for (attack::RawWebSocket *socket : std::as_const(m_raw)) {
        while (m_framesWritten < limit && socket->isOpen() && socket->bytesToWrite() < kQueueBytes) {
            if (!socket->write(ping ? pingBurst : badBurst))
                break;
            m_framesWritten += kBurst;
        }
    }
    if (m_framesWritten >= limit)
        m_floodTimer->stop();
}

void AttackPhase::stop()
{
    const bool wasActive = m_running || m_preparing;
    m_running = false;
    m_preparing = false;
    m_floodTimer->stop();
    m_prepareDeadline->stop();
    for (attack::RawWebSocket *socket : std::as_const(m_raw))
        socket->abort();
    if (m_flood)
        m_flood->abort();
    if (m_feeder)
        m_feeder->stop();
    for (client::WebSocketClient *resumer : std::as_const(m_resumers))
        resumer->stop();
    if (wasActive)
        emit stopped(outcome());
}

QString AttackPhase::outcome() const
{
    QString text;
    switch (m_attack) {
    case HostileAttack::None:
        break;
    case HostileAttack::SlowReaders:
        text = QStringLiteral("%1 x 60 KiB published").arg(m_fed);
        break;
    case HostileAttack::PingFlood:
        text = QStringLiteral("%1 pings queued").arg(m_framesWritten);
        break;
    case HostileAttack::Malformed:
        text = QStringLiteral("%1 frames queued; closed %2 times").arg(m_framesWritten).arg(m_closes);
        break;
    case HostileAttack::ManyChannels:
    case HostileAttack::ManyClientIds:
        text = m_flood ? m_flood->describe() : QString();
        break;
    case HostileAttack::Resume: {
        qint64 total = 0;
        for (const qint64 n : m_resumed)
            total += n;
        text = QStringLiteral("%1 of %2 events resumed").arg(total).arg(qint64(kResumers) * kResumeEvents);
        break;
    }
    }
    if (isCountBounded(m_attack))
        text += m_completedMs >= 0 ? QStringLiteral(" in %1 s").arg(double(m_completedMs) / 1000.0, 0, 'f', 1)
                                   : QStringLiteral(" (cut off after %1 s)").arg(double(m_clock.elapsed()) / 1000.0, 0, 'f', 1);
    if (!m_prepareProblem.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral("; ")) + m_prepareProblem;
    return text;
}

} // namespace duplex::bench
