#include "benchsubscriber.h"

#include "publication.h"
#include "timedpayload.h"

#include "protocol/event.h"

#include <algorithm>
#include <limits>

namespace duplex::bench {

BenchSubscriber::BenchSubscriber(const Publication *publication, QObject *parent)
    : QObject(parent)
    , m_publication(publication)
    , m_seen(size_t(publication->messageCount), false)
{
    m_latenciesUs.reserve(size_t(publication->messageCount));
}

BenchSubscriber::~BenchSubscriber() = default;

void BenchSubscriber::handleWelcome(const QString &node)
{
    if (m_frozen)
        return;
    // A reconnecting client may be welcomed again; the ramp counts each subscriber once.
    if (m_welcomed)
        return;
    m_welcomed = true;
    m_node = node;
    emit welcomed();
}

void BenchSubscriber::handleEvent(const protocol::Event &event, qint64 nowNs)
{
    if (m_frozen)
        return;
    switch (event.type) {
    case protocol::EventType::Message:
        handleMessage(event, nowNs);
        break;
    case protocol::EventType::Join:
        // Once: a resumed publisher would join again, and settling counts subscribers.
        if (event.clientId == m_publication->publisherId && !m_publisherJoined) {
            m_publisherJoined = true;
            emit publisherJoined();
        }
        break;
    case protocol::EventType::Gap:
        countGap();
        break;
    case protocol::EventType::Error:
        countError();
        break;
    case protocol::EventType::Welcome:
    case protocol::EventType::Leave:
    case protocol::EventType::Ack:
        break;
    }
}

void BenchSubscriber::handleMessage(const protocol::Event &event, qint64 nowNs)
{
    if (event.clientId != m_publication->publisherId || !event.data.isString()) {
        ++m_unexpected;
        return;
    }
    const timedpayload::Decoded payload = timedpayload::decode(event.data.toString(), m_publication->payloadSize);
    // The payload's send time must be the one the publisher recorded for that counter.
    if (!payload.ok || payload.counter >= m_publication->messageCount
        || m_publication->sendTimesNs[size_t(payload.counter)] < 0
        || m_publication->sendTimesNs[size_t(payload.counter)] / 1000 != payload.sendUs) {
        ++m_unexpected;
        return;
    }
    const size_t counter = size_t(payload.counter);
    if (m_seen[counter]) {
        ++m_duplicates;
        return;
    }
    m_seen[counter] = true;
    if (payload.counter < m_highestCounter)
        ++m_outOfOrder;
    m_highestCounter = std::max(m_highestCounter, payload.counter);
    const qint64 latencyUs = nowNs / 1000 - payload.sendUs;
    m_latenciesUs.push_back(qint32(std::clamp<qint64>(latencyUs, 0, std::numeric_limits<qint32>::max())));
    if (m_lastReceiveNs >= 0)
        m_interArrivalMs.add(double(nowNs - m_lastReceiveNs) / 1e6);
    m_lastReceiveNs = nowNs;
    if (++m_received == m_publication->messageCount)
        emit complete();
}

void BenchSubscriber::countGap()
{
    if (!m_frozen)
        ++m_gaps;
}

void BenchSubscriber::countError()
{
    if (!m_frozen)
        ++m_errors;
}

void BenchSubscriber::countUnexpected()
{
    if (!m_frozen)
        ++m_unexpected;
}

void BenchSubscriber::fail(const QString &reason)
{
    if (hasFailed() || m_frozen)
        return;
    m_failure = reason;
    m_lastProblem = reason;
    emit failed(reason);
}

} // namespace duplex::bench
