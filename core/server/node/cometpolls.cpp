#include "node/cometpolls.h"

#include "http/parkedresponder.h"
#include "node/channelhub.h"
#include "node/cometreply.h"
#include "protocol/event.h"
#include "util/ids.h"
#include "util/monotonic.h"

#include <QTimer>

namespace duplex::node {

CometPolls::CometPolls(ChannelHub *hub, CometSessions *sessions, Limits limits, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_sessions(sessions)
    , m_limits(limits)
    , m_holdTimer(new QTimer(this))
    // nginx may move a poll to another node when its node dies (proxy_next_upstream),
    // unseen by the client; the header lets it tell which node answered.
    , m_pollHeaders{{QByteArrayLiteral("X-Duplex-Node"), hub->nodeName().toUtf8()}}
{
    m_holdTimer->setSingleShot(true);
    connect(m_holdTimer, &QTimer::timeout, this, &CometPolls::expirePolls);
    connect(m_hub, &ChannelHub::eventSequenced, this, &CometPolls::handleEventSequenced);
}

CometPolls::~CometPolls() = default;

void CometPolls::welcome(QHttpServerResponder &responder, const QString &channel, bool presence)
{
    const QByteArray body =
        '[' + protocol::Event::welcome(util::newClientId(), channel, m_hub->head(channel), m_hub->nodeName(), presence).toJson()
        + ']';
    m_bytesOut += quint64(body.size());
    ++m_answered;
    cometReply(responder, QHttpServerResponder::StatusCode::Ok, body);
}

void CometPolls::hold(QHttpServerResponder &&responder, QTcpSocket *socket, CometSessions::Session &session,
                      qint64 since, bool presence)
{
    // One poll per client: an older one still held (a client that gave up on it, or a
    // retry) is answered [] so it never lingers until its hold time.
    if (session.pollId != 0) {
        auto older = m_polls.find(session.pollId);
        if (older != m_polls.end())
            answerPoll(older->first, Body{QByteArrayLiteral("[]"), session.cursor, 0});
    }

    const quint64 id = m_nextId++;
    Poll poll;
    poll.parked = std::make_unique<http::ParkedResponder>(std::move(responder), socket, this,
                                                          [this, id] { handlePollGone(id); });
    poll.channel = session.channel;
    poll.clientId = session.clientId;
    poll.since = since >= 0 ? since : session.cursor;
    poll.presence = presence;
    poll.deadlineMs = util::monotonicMs() + m_limits.holdMs;
    m_polls.emplace(id, std::move(poll));
    session.pollId = id;
    if (m_polls.size() == 1)
        armHoldTimer();
    servePoll(id);
}

void CometPolls::answerEmpty(quint64 id, qint64 cursor)
{
    answerPoll(id, Body{QByteArrayLiteral("[]"), cursor, 0});
}

void CometPolls::servePoll(quint64 id)
{
    auto it = m_polls.find(id);
    if (it == m_polls.end())
        return;
    Poll &poll = it->second;
    if (poll.since >= m_hub->head(poll.channel)) {
        park(id, poll);
        return;
    }
    poll.fetching = true;
    const qint64 since = poll.since;
    m_hub->fetchSince(poll.channel, since, m_limits.maxEventsPerPoll,
                      [this, id, since, channel = poll.channel, presence = poll.presence](const log::ChannelLog::Range &range) {
                          auto found = m_polls.find(id);
                          if (found == m_polls.end())
                              return; // answered by its hold time, or the client left
                          found->second.fetching = false;
                          const Body body = bodyFor(channel, range, since, presence);
                          if (body.events > 0) {
                              answerPoll(id, body);
                              return;
                          }
                          // Only presence events, which this client does not want: wait
                          // past them (and look again if a slice stopped short of the head).
                          found->second.since = std::max(found->second.since, body.cursor);
                          if (body.cursor > since && found->second.since < m_hub->head(channel))
                              servePoll(id);
                          else
                              park(id, found->second);
                      });
}

void CometPolls::park(quint64 id, Poll &poll)
{
    m_parkedByChannel[poll.channel].insert(id, true);
}

void CometPolls::unpark(quint64 id, const Poll &poll)
{
    auto channel = m_parkedByChannel.find(poll.channel);
    if (channel == m_parkedByChannel.end())
        return;
    channel->remove(id);
    if (channel->isEmpty())
        m_parkedByChannel.erase(channel);
}

void CometPolls::handleEventSequenced(const protocol::Sequenced &sequenced)
{
    if (!m_parkedByChannel.contains(sequenced.event.channel))
        return;
    m_dirtyChannels.insert(sequenced.event.channel, true);
    // Events of one bus read arrive back to back: answering once they are all in gives a
    // busy channel's pollers several events per answer instead of one poll per event.
    if (!m_answerScheduled) {
        m_answerScheduled = true;
        QMetaObject::invokeMethod(this, &CometPolls::answerReadyPolls, Qt::QueuedConnection);
    }
}

void CometPolls::answerReadyPolls()
{
    m_answerScheduled = false;
    const QList<QString> channels = m_dirtyChannels.keys();
    m_dirtyChannels.clear();
    for (const QString &channel : channels) {
        const auto parked = m_parkedByChannel.constFind(channel);
        if (parked == m_parkedByChannel.cend())
            continue;
        const QList<quint64> ids = parked->keys();
        const qint64 head = m_hub->head(channel);
        // Most pollers of a channel wait at the same `since`: build each answer once
        // (per since and presence choice).
        QHash<QPair<qint64, bool>, Body> bodies;
        for (const quint64 id : ids) {
            auto it = m_polls.find(id);
            if (it == m_polls.end() || it->second.since >= head)
                continue;
            const QPair<qint64, bool> key(it->second.since, it->second.presence);
            auto cached = bodies.constFind(key);
            if (cached == bodies.cend()) {
                log::ChannelLog::Range range;
                if (!m_hub->readLocal(channel, key.first, m_limits.maxEventsPerPoll, &range)) {
                    // Fell behind the local buffer while parked: ask the broker.
                    unpark(id, it->second);
                    servePoll(id);
                    continue;
                }
                cached = bodies.insert(key, bodyFor(channel, range, key.first, key.second));
            }
            if (cached->events > 0) {
                answerPoll(id, *cached);
            } else {
                // Presence events only, filtered out: the poll waits on past them.
                it->second.since = cached->cursor;
                if (it->second.since < head) {
                    unpark(id, it->second);
                    servePoll(id);
                }
            }
        }
    }
}

void CometPolls::answerPoll(quint64 id, const Body &body)
{
    auto it = m_polls.find(id);
    if (it == m_polls.end())
        return;
    Poll poll = std::move(it->second);
    m_polls.erase(it);
    unpark(id, poll);
    if (CometSessions::Session *session = m_sessions->find(poll.channel, poll.clientId)) {
        if (session->pollId == id)
            session->pollId = 0;
        session->cursor = std::max(session->cursor, body.cursor);
        session->lastSeenMs = util::monotonicMs();
    }
    if (QHttpServerResponder *responder = poll.parked->responder()) {
        cometReply(*responder, QHttpServerResponder::StatusCode::Ok, body.json, m_pollHeaders);
        ++m_answered;
        m_eventsOut += quint64(body.events);
        m_bytesOut += quint64(body.json.size());
    } else {
        ++m_abandoned;
    }
}

void CometPolls::handlePollGone(quint64 id)
{
    auto it = m_polls.find(id);
    if (it == m_polls.end())
        return;
    ++m_abandoned;
    unpark(id, it->second);
    CometSessions::Session *session = m_sessions->find(it->second.channel, it->second.clientId);
    if (session && session->pollId == id)
        session->pollId = 0;
    m_polls.erase(it);
}

void CometPolls::armHoldTimer()
{
    if (m_polls.empty()) {
        m_holdTimer->stop();
        return;
    }
    const qint64 wait = m_polls.begin()->second.deadlineMs - util::monotonicMs();
    m_holdTimer->start(int(std::max<qint64>(wait, 0)));
}

void CometPolls::expirePolls()
{
    const qint64 now = util::monotonicMs();
    while (!m_polls.empty() && m_polls.begin()->second.deadlineMs <= now) {
        const quint64 id = m_polls.begin()->first;
        const Poll &poll = m_polls.begin()->second;
        const CometSessions::Session *session = m_sessions->find(poll.channel, poll.clientId);
        answerPoll(id, Body{QByteArrayLiteral("[]"), session ? session->cursor : 0, 0});
    }
    armHoldTimer();
}

CometPolls::Body CometPolls::bodyFor(const QString &channel, const log::ChannelLog::Range &range, qint64 since,
                                   bool presence) const
{
    Body body;
    body.cursor = since;
    QByteArray json = "[";
    auto append = [&body, &json](const QByteArray &item) {
        if (body.events > 0)
            json += ',';
        json += item;
        ++body.events;
    };
    if (range.hasGap() && range.gapTo > since) {
        append(protocol::Event::gap(channel, range.gapFrom, range.gapTo).toJson());
        body.cursor = range.gapTo;
    }
    for (const protocol::Sequenced &s : range.events) {
        if (s.event.seq <= body.cursor)
            continue;
        if (!presence && (s.event.type == protocol::EventType::Join || s.event.type == protocol::EventType::Leave)) {
            body.cursor = s.event.seq; // passed over, not sent (presence=0)
            continue;
        }
        // The byte cap keeps answers small enough to parse at once; the client gets the
        // rest on its next poll, which comes right away.
        if (body.events > 0 && qint64(json.size() + s.json.size()) > m_limits.maxBytesPerPoll)
            break;
        append(s.json);
        body.cursor = s.event.seq;
    }
    json += ']';
    body.json = std::move(json);
    return body;
}

} // namespace duplex::node
