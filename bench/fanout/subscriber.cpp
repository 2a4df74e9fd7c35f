#include "subscriber.h"

#include "publication.h"
#include "protocol/codec.h"

#include <QWebSocket>

#include <algorithm>

namespace duplex::bench {

namespace {
// Enough trailing digits for any counter a run can reach; longer payloads are zero-padded.
constexpr qsizetype kCounterDigits = 18;
} // namespace

Subscriber::Subscriber(const QUrl &url, const Publication *publication, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_publication(publication)
    , m_socket(new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this))
    , m_seen(size_t(publication->messageCount), false)
{
    m_latenciesUs.reserve(size_t(publication->messageCount));
    connect(m_socket, &QWebSocket::textMessageReceived, this, &Subscriber::handleText);
    connect(m_socket, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError) { fail(m_socket->errorString()); });
    connect(m_socket, &QWebSocket::disconnected, this, [this] {
        fail(QStringLiteral("disconnected (close code %1: %2)").arg(int(m_socket->closeCode())).arg(m_socket->closeReason()));
    });
}

Subscriber::~Subscriber()
{
    // The bench is done with us: a closing socket must not report a failure any more.
    m_socket->disconnect(this);
}

void Subscriber::open()
{
    m_socket->open(m_url);
}

void Subscriber::handleText(const QString &text)
{
    const qint64 nowNs = m_publication->clock.nsecsElapsed();
    const protocol::EventParse parsed = protocol::parseEvent(text.toUtf8());
    if (parsed.status != protocol::EventParse::Status::Ok) {
        ++m_unexpected;
        return;
    }
    const protocol::Event &event = parsed.event;
    switch (event.type) {
    case protocol::EventType::Welcome:
        emit welcomed();
        break;
    case protocol::EventType::Join:
        if (event.clientId == m_publication->publisherId)
            emit publisherJoined();
        break;
    case protocol::EventType::Message:
        handleMessage(event.clientId, event.data.toString(), nowNs);
        break;
    case protocol::EventType::Gap:
        ++m_gaps;
        break;
    case protocol::EventType::Error:
        ++m_errors;
        break;
    case protocol::EventType::Leave:
    case protocol::EventType::Ack:
        break;
    }
}

void Subscriber::handleMessage(const QString &from, const QString &data, qint64 nowNs)
{
    bool ok = false;
    const qint64 counter = QStringView(data).right(std::min(data.size(), kCounterDigits)).toLongLong(&ok);
    if (from != m_publication->publisherId || data.size() != m_publication->payloadSize || !ok || counter < 0
        || counter >= m_publication->messageCount || m_publication->sendTimesNs[size_t(counter)] < 0) {
        ++m_unexpected;
        return;
    }
    m_lastReceiveNs = nowNs;
    if (m_seen[size_t(counter)]) {
        ++m_duplicates;
        return;
    }
    m_seen[size_t(counter)] = true;
    if (counter < m_highestCounter)
        ++m_outOfOrder;
    m_highestCounter = std::max(m_highestCounter, counter);
    m_latenciesUs.push_back(qint32((nowNs - m_publication->sendTimesNs[size_t(counter)]) / 1000));
    if (++m_received == m_publication->messageCount)
        emit complete();
}

void Subscriber::fail(const QString &reason)
{
    if (hasFailed())
        return;
    m_failure = reason;
    emit failed(reason);
}

} // namespace duplex::bench
