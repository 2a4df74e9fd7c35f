#include "client/cometclient.h"

#include "client/httpconnection.h"
#include "protocol/codec.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QPointer>
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
    : ChannelClient(parent)
    , m_options(std::move(options))
    , m_pollConnection(new HttpConnection(m_options.host, m_options.port, m_options.source, this))
    , m_publishConnection(new HttpConnection(m_options.host, m_options.port, m_options.source, this))
{
    while (m_options.pathPrefix.endsWith(QLatin1Char('/')))
        m_options.pathPrefix.chop(1);
}

CometClient::~CometClient() = default;

void CometClient::start()
{
    if (m_running)
        return;
    m_running = true;
    ++m_generation;
    resetBackoff();
    if (!clientId().isEmpty()) {
        // A restart resumes where the previous run stopped.
        poll();
    } else if (!m_options.clientId.isEmpty()) {
        adoptPlaceFromOptions();
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
    cancelRetry();
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
    if (clientId().isEmpty()) {
        failPublishLater(QStringLiteral("cannot publish before the welcome gave a clientId"));
        return;
    }
    const QJsonObject body{{QStringLiteral("data"), data.isUndefined() ? QJsonValue() : data}};
    const QByteArray target = m_options.pathPrefix.toUtf8() + "/publish?channel=" + encoded(m_options.channel)
        + "&clientId=" + encoded(clientId());
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
    subscribe(false, m_options.requestTimeoutMs, &CometClient::handleWelcomeResult);
}

void CometClient::poll()
{
    subscribe(true, m_options.pollTimeoutMs, &CometClient::handlePollResult);
}

void CometClient::subscribe(bool withCursor, int timeoutMs, void (CometClient::*handler)(quint64, const HttpResult &))
{
    const quint64 generation = m_generation;
    const QPointer<CometClient> self(this);
    m_pollConnection->request("GET", target(QStringLiteral("subscribe"), withCursor), {}, {}, timeoutMs,
                              [self, generation, handler](const HttpResult &result) {
                                  if (self)
                                      (self.data()->*handler)(generation, result);
                              });
}

void CometClient::handleWelcomeResult(quint64 generation, const HttpResult &result)
{
    if (!isCurrent(generation))
        return;
    if (result.status != 200) {
        handleFailure(generation, result, describeFailure(result));
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
        handleFailure(generation, result, QStringLiteral("unparsable welcome answer: %1").arg(why));
        return;
    }
    const QPointer<CometClient> self(this);
    acceptWelcome(*welcome);
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
        handleFailure(generation, result, describeFailure(result));
        return;
    }
    const protocol::EventListParse parsed = protocol::parseEventListFast(result.body);
    if (parsed.status != protocol::EventParse::Status::Ok) {
        handleFailure(generation, result, QStringLiteral("unparsable poll answer: %1").arg(parsed.error));
        return;
    }
    resetBackoff();
    ++m_pollsCompleted;
    if (!handleEvents(generation, parsed.events))
        return;
    poll();
}

bool CometClient::handleEvents(quint64 generation, const QList<protocol::Event> &events)
{
    const QPointer<CometClient> self(this);
    for (const protocol::Event &event : events) {
        if (event.type == protocol::EventType::Error) {
            emit errorOccurred(event.message.isEmpty() ? event.code : event.message);
        } else {
            const Outcome outcome = acceptEvent(event);
            // Nothing was emitted for these; welcome and ack have no place in a poll answer.
            if (outcome == Outcome::Duplicate || outcome == Outcome::Unsequenced)
                continue;
        }
        if (!self || !isCurrent(generation))
            return false;
    }
    return true;
}

void CometClient::handleFailure(quint64 generation, const HttpResult &result, const QString &reason)
{
    if (isPermanentFailure(result.status)) {
        const QPointer<CometClient> self(this);
        emit errorOccurred(reason);
        if (self && isCurrent(generation))
            stop();
        return;
    }
    scheduleRetry(reason);
}

void CometClient::retry()
{
    if (!m_running)
        return;
    // Only a welcome gives the clientId a poll needs.
    if (clientId().isEmpty())
        requestWelcome();
    else
        poll();
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
        target += "&clientId=" + encoded(clientId());
        if (cursor() >= 0)
            target += "&since=" + QByteArray::number(cursor());
        if (!m_options.presence)
            target += "&presence=0";
    }
    return target;
}

} // namespace duplex::client
