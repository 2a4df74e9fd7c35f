#include "node/channelhub.h"

#include "bus/busclient.h"

namespace duplex::node {

ChannelHub::ChannelHub(QString nodeName, QByteArray secret, int bufferCapacity, QObject *parent)
    : QObject(parent)
    , m_nodeName(std::move(nodeName))
    , m_bufferCapacity(bufferCapacity)
    , m_bus(new bus::BusClient(m_nodeName, std::move(secret), this))
{
    connect(m_bus, &bus::BusClient::ready, this, &ChannelHub::handleReady);
    connect(m_bus, &bus::BusClient::failed, this, &ChannelHub::failed);
    connect(m_bus, &bus::BusClient::eventReceived, this, &ChannelHub::handleEvent);
    connect(m_bus, &bus::BusClient::historyReceived, this, &ChannelHub::handleHistory);
}

ChannelHub::~ChannelHub() = default;

void ChannelHub::connectToBroker(const QHostAddress &address, quint16 port)
{
    m_bus->connectToBroker(address, port);
}

bool ChannelHub::isReady() const
{
    return m_bus->isReady();
}

qint64 ChannelHub::head(const QString &channel) const
{
    auto it = m_logs.constFind(channel);
    return it == m_logs.cend() ? 0 : it->head();
}

void ChannelHub::publish(const protocol::Event &event, SequencedCallback done)
{
    const qint64 ref = m_bus->publish(event);
    if (done)
        m_pendingPublishes.emplace(ref, std::move(done));
}

bool ChannelHub::readLocal(const QString &channel, qint64 since, int limit, log::ChannelLog::Range *range) const
{
    auto it = m_logs.constFind(channel);
    if (it == m_logs.cend()) {
        *range = {};
        return true;
    }
    if (!it->covers(since))
        return false;
    *range = it->since(since, limit);
    return true;
}

void ChannelHub::fetchSince(const QString &channel, qint64 since, int limit, RangeCallback done)
{
    log::ChannelLog::Range local;
    if (readLocal(channel, since, limit, &local)) {
        done(local);
        return;
    }
    ++m_historyRequests;
    const qint64 ref = m_bus->requestHistory(channel, since, limit);
    m_pendingHistory.emplace(ref, std::move(done));
}

void ChannelHub::handleReady(const QHash<QString, qint64> &heads)
{
    for (auto it = heads.cbegin(); it != heads.cend(); ++it)
        log(it.key()).resetHead(it.value());
    emit ready();
}

void ChannelHub::handleEvent(const protocol::Sequenced &sequenced, const QString &origin, qint64 ref)
{
    ++m_eventsReceived;
    log::ChannelLog &channelLog = log(sequenced.event.channel);
    if (!channelLog.append(sequenced)) {
        // The bus is one ordered TCP stream, so this means a broker restart or a bug:
        // say so once and follow the broker's numbering from here.
        qWarning("node %s: channel %s jumped from seq %lld to %lld", qPrintable(m_nodeName),
                 qPrintable(sequenced.event.channel), channelLog.head(), sequenced.event.seq);
        channelLog.resetHead(sequenced.event.seq - 1);
        channelLog.append(sequenced);
    }
    emit eventSequenced(sequenced);
    if (origin == m_nodeName) {
        auto pending = m_pendingPublishes.find(ref);
        if (pending != m_pendingPublishes.end()) {
            const SequencedCallback done = std::move(pending->second);
            m_pendingPublishes.erase(pending);
            done(sequenced.event.seq);
        }
    }
}

void ChannelHub::handleHistory(const bus::HistoryReply &reply)
{
    auto pending = m_pendingHistory.find(reply.ref);
    if (pending == m_pendingHistory.end())
        return;
    const RangeCallback done = std::move(pending->second);
    m_pendingHistory.erase(pending);
    done(reply.range);
}

log::ChannelLog &ChannelHub::log(const QString &channel)
{
    auto it = m_logs.find(channel);
    if (it == m_logs.end())
        it = m_logs.insert(channel, log::ChannelLog(m_bufferCapacity));
    return *it;
}

} // namespace duplex::node
