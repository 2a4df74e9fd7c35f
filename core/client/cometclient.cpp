#include "client/cometclient.h"

#include "client/httpconnection.h"
#include "protocol/codec.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrl>

#include <algorithm>

namespace duplex::client {

namespace {

QByteArray encoded(const QString &value)
{
    return QUrl::toPercentEncoding(value);
}

// The server's message from an error body ({"type":"error",...}), else the status.
QString describeFailure(const HttpResult &result)
{
    if (result.status == 0)
        return result.error;
    const protocol::EventParse parsed = protocol::parseEvent(result.body);
    if (parsed.status == protocol::EventParse::Status::Ok && parsed.event.type == protocol::EventType::Error
        && !parsed.event.message.isEmpty()) {
        return parsed.event.message;
    }
    return QStringLiteral("HTTP %1").arg(result.status);
}

// 4xx means the request itself is wrong and retrying cannot help; 408 and 429 are the
// exceptions that do clear with time.
bool isPermanentFailure(int status)
{
    return status >= 400 && status < 500 && status != 408 && status != 429;
}

} // namespace

CometClient::CometClient(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_pollConnection(new HttpConnection(m_options.host, m_options.port, m_options.source, this))
    , m_publishConnection(new HttpConnection(m_options.host, m_options.port, m_options.source, this))
    , m_retryTimer(new QTimer(this))
{
    while (m_options.pathPrefix.endsWith(QLatin1Char('/')))
        m_options.pathPrefix.chop(1);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, [this] {
        if (m_running && m_retryAction)
            (this->*m_retryAction)();
    });
}

CometClient::~CometClient() = default;

void CometClient::start()
{
    if (m_running)
        return;
    m_running = true;
    ++m_generation;
    m_attempt = 0;
    if (!m_clientId.isEmpty()) {
        // A restart resumes where the previous run stopped.
        poll();
    } else if (!m_options.clientId.isEmpty()) {
        m_clientId = m_options.clientId;
        m_cursor = m_options.since;
        poll();
    } else {
        requestWelcome();
    }
}

void CometClient::stop()
{
    if (!m_running)
        return;
    m_running = false;
    ++m_generation;
    m_retryTimer->stop();
    m_retryAction = nullptr;
    // Their "aborted" answers arrive later and are ignored by generation.
    m_pollConnection->abort();
    m_publishConnection->abort();
}

void CometClient::publish(const QJsonValue &data)
{
    if (!m_running) {
        failPublishLater(QStringLiteral("cannot publish: the client is not running"));
        return;
    }
    if (m_clientId.isEmpty()) {
        failPublishLater(QStringLiteral("cannot publish before the welcome gave a clientId"));
        return;
    }
    const QJsonObject body{{QStringLiteral("data"), data.isUndefined() ? QJsonValue() : data}};
    const QByteArray target = m_options.pathPrefix.toUtf8() + "/publish?channel=" + encoded(m_options.channel)
        + "&clientId=" + encoded(m_clientId);
    const quint64 generation = m_generation;
    const QPointer<CometClient> self(this);
    m_publishConnection->request("POST", target, QJsonDocument(body).toJson(QJsonDocument::Compact),
                                 "application/json", m_options.requestTimeoutMs,
                                 [self, generation](const HttpResult &result) {
                                     if (self)
                                         self->handlePublishResult(generation, result);
                                 });
}

void CometClient::requestWelcome()
{
    const quint64 generation = m_generation;
    const QPointer<CometClient> self(this);
    m_pollConnection->request("GET", target(QStringLiteral("subscribe"), false), {}, {}, m_options.requestTimeoutMs,
                              [self, generation](const HttpResult &result) {
                                  if (self)
                                      self->handleWelcomeResult(generation, result);
                              });
}

void CometClient::poll()
{
    const quint64 generation = m_generation;
    const QPointer<CometClient> self(this);
    m_pollConnection->request("GET", target(QStringLiteral("subscribe"), true), {}, {}, m_options.pollTimeoutMs,
                              [self, generation](const HttpResult &result) {
                                  if (self)
                                      self->handlePollResult(generation, result);
                              });
}

void CometClient::handleWelcomeResult(quint64 generation, const HttpResult &result)
{
    if (!isCurrent(generation))
        return;
    if (result.status != 200) {
        handleFailure(generation, result, describeFailure(result), &CometClient::requestWelcome);
        return;
    }
    const protocol::EventListParse parsed = protocol::parseEventListFast(result.body);
    const auto welcome = std::find_if(parsed.events.cbegin(), parsed.events.cend(), [](const protocol::Event &e) {
        return e.type == protocol::EventType::Welcome;
    });
    if (parsed.status != protocol::EventParse::Status::Ok || welcome == parsed.events.cend()
        || welcome->clientId.isEmpty()) {
        const QString why = parsed.status != protocol::EventParse::Status::Ok ? parsed.error
                                                                               : QStringLiteral("no welcome");
        handleFailure(generation, result, QStringLiteral("unparsable welcome answer: %1").arg(why),
                      &CometClient::requestWelcome);
        return;
    }
    m_attempt = 0;
    m_clientId = welcome->clientId;
    m_cursor = m_options.since >= 0 ? m_options.since : welcome->seq;
    const QPointer<CometClient> self(this);
    emit welcomed(*welcome);
    if (!self || !isCurrent(generation))
        return;
    // Whatever follows the welcome in the same answer is an ordinary event.
    const QList<protocol::Event> rest(welcome + 1, parsed.events.cend());
    if (!handleEvents(generation, rest))
        return;
    poll();
}

void CometClient::handlePollResult(quint64 generation, const HttpResult &result)
{
    if (!isCurrent(generation))
        return;
    if (result.status != 200) {
        handleFailure(generation, result, describeFailure(result), &CometClient::poll);
        return;
    }
    const protocol::EventListParse parsed = protocol::parseEventListFast(result.body);
    if (parsed.status != protocol::EventParse::Status::Ok) {
        handleFailure(generation, result, QStringLiteral("unparsable poll answer: %1").arg(parsed.error),
                      &CometClient::poll);
        return;
    }
    m_attempt = 0;
    ++m_pollsCompleted;
    if (!handleEvents(generation, parsed.events))
        return;
    poll();
}

bool CometClient::handleEvents(quint64 generation, const QList<protocol::Event> &events)
{
    const QPointer<CometClient> self(this);
    for (const protocol::Event &event : events) {
        if (event.type == protocol::EventType::Gap) {
            m_cursor = std::max(m_cursor, event.to);
            emit gapReceived(event.from, event.to);
        } else if (event.isSequenced()) {
            // A retried poll whose first answer was lost on the way can repeat events.
            if (event.seq <= m_cursor) {
                ++m_duplicatesDropped;
                continue;
            }
            m_cursor = event.seq;
            emit eventReceived(event);
        } else if (event.type == protocol::EventType::Error) {
            emit errorOccurred(event.message.isEmpty() ? event.code : event.message);
        } else {
            // welcome and ack have no place in a poll answer; nothing to follow there.
            continue;
        }
        if (!self || !isCurrent(generation))
            return false;
    }
    return true;
}

void CometClient::handleFailure(quint64 generation, const HttpResult &result, const QString &reason,
                                void (CometClient::*retry)())
{
    if (isPermanentFailure(result.status)) {
        const QPointer<CometClient> self(this);
        emit errorOccurred(reason);
        if (self && isCurrent(generation))
            stop();
        return;
    }
    ++m_attempt;
    ++m_reconnects;
    // Exponential backoff with "equal jitter": half the delay fixed, half random, so
    // clients cut off by the same node failure do not come back in one burst.
    const int minMs = std::max(1, m_options.retryMinMs);
    const int maxMs = std::max(minMs, m_options.retryMaxMs);
    const int exponent = std::min(m_attempt - 1, 20);
    const int ceiling = int(std::min<qint64>(maxMs, qint64(minMs) << exponent));
    const int delay = std::max(minMs, ceiling / 2 + int(QRandomGenerator::global()->bounded(ceiling / 2 + 1)));
    m_retryAction = retry;
    m_retryTimer->start(delay);
    emit reconnecting(m_attempt, reason);
}

void CometClient::handlePublishResult(quint64 generation, const HttpResult &result)
{
    if (!isCurrent(generation))
        return;
    if (result.status != 200) {
        emit publishFailed(describeFailure(result));
        return;
    }
    const QJsonObject answer = QJsonDocument::fromJson(result.body).object();
    const QJsonValue seq = answer.value(QStringLiteral("seq"));
    if (!seq.isDouble()) {
        emit publishFailed(QStringLiteral("unparsable publish answer: %1").arg(QString::fromUtf8(result.body.left(200))));
        return;
    }
    emit published(qint64(seq.toDouble()));
}

// Reported from the event loop like every other answer, never inside publish() itself.
void CometClient::failPublishLater(const QString &reason)
{
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(this, [this, generation, reason] {
        // A start() or stop() in between makes the answer stale.
        if (generation == m_generation)
            emit publishFailed(reason);
    }, Qt::QueuedConnection);
}

QByteArray CometClient::target(const QString &endpoint, bool withCursor) const
{
    QByteArray target = m_options.pathPrefix.toUtf8() + '/' + endpoint.toUtf8() + "?channel=" + encoded(m_options.channel);
    if (withCursor) {
        target += "&clientId=" + encoded(m_clientId);
        if (m_cursor >= 0)
            target += "&since=" + QByteArray::number(m_cursor);
        if (!m_options.presence)
            target += "&presence=0";
    }
    return target;
}

} // namespace duplex::client
