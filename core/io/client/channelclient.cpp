#include "client/channelclient.h"

#include "client/backoff.h"

#include <QTimer>

#include <algorithm>

namespace duplex::client {

ChannelClient::ChannelClient(QObject *parent)
    : QObject(parent)
    , m_retryTimer(new QTimer(this))
{
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, [this] { retry(); });
}

ChannelClient::~ChannelClient() = default;

void ChannelClient::adoptPlaceFromOptions()
{
    m_clientId = options().clientId;
    m_cursor = options().since;
}

void ChannelClient::acceptWelcome(const protocol::Event &welcome)
{
    m_attempt = 0;
    m_clientId = welcome.clientId;
    if (m_cursor < 0)
        m_cursor = options().since >= 0 ? options().since : welcome.seq;
    emit welcomed(welcome);
}

ChannelClient::Outcome ChannelClient::acceptEvent(const protocol::Event &event)
{
    if (event.type == protocol::EventType::Gap) {
        m_cursor = std::max(m_cursor, event.to);
        emit gapReceived(event.from, event.to);
        return Outcome::Gap;
    }
    if (!event.isSequenced())
        return Outcome::Unsequenced;
    // A resumed stream, or a retried poll whose first answer was lost on the way, can
    // repeat events.
    if (event.seq <= m_cursor) {
        ++m_duplicatesDropped;
        return Outcome::Duplicate;
    }
    m_cursor = event.seq;
    emit eventReceived(event);
    return Outcome::Delivered;
}

void ChannelClient::scheduleRetry(const QString &reason)
{
    ++m_attempt;
    ++m_reconnects;
    // Started before the signal, so a slot that stops the client stops the retry too.
    m_retryTimer->start(backoffDelayMs(m_attempt, options().retryMinMs, options().retryMaxMs));
    emit reconnecting(m_attempt, reason);
}

void ChannelClient::cancelRetry()
{
    m_retryTimer->stop();
}

} // namespace duplex::client
