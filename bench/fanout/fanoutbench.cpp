#include "fanoutbench.h"

#include "fanoutreport.h"
#include "subscriber.h"

#include "control/cluster.h"
#include "protocol/codec.h"
#include "util/procstats.h"

#include <QCoreApplication>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>

namespace duplex::bench {

namespace {

// Subscribers opened at once: the nodes' accept backlog and nginx see a steady ramp
// rather than one storm of handshakes.
constexpr int kConnectBatch = 200;
constexpr int kBatchTimeoutMs = 20000;
// The join of every subscriber goes to every earlier one: settling after a large ramp
// means delivering N^2/2 join events.
constexpr int kSettleTimeoutMs = 30000;
constexpr int kGraceMs = 2000;
constexpr int kDeadlineSlackS = 60;
// Cluster::stop() gives each child 3 s before SIGKILL; they stop in parallel.
constexpr int kStopTimeoutMs = 15000;
// The publish timer's longest period: due messages are sent by schedule on each tick,
// so a late tick delays messages but never changes the average rate.
constexpr int kMaxPublishTickMs = 10;

void progress(const QString &line)
{
    std::fprintf(stderr, "duplex-bench-fanout: %s\n", qPrintable(line));
    std::fflush(stderr);
}

// Sum of `read` over the pids; -1 when any of them cannot be read.
template<typename Read>
qint64 sumOver(const QList<qint64> &pids, Read read)
{
    qint64 sum = 0;
    for (qint64 pid : pids) {
        const qint64 value = read(pid);
        if (value < 0)
            return -1;
        sum += value;
    }
    return sum;
}

} // namespace

FanoutBench::FanoutBench(const FanoutConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_phaseTimer(new QTimer(this))
    , m_publishTimer(new QTimer(this))
    , m_deadlineTimer(new QTimer(this))
{
    m_publication.publisherId = QStringLiteral("bench-publisher-%1").arg(QCoreApplication::applicationPid());
    m_publication.payloadSize = config.size;
    m_publication.messageCount = config.messageCount();
    m_publication.sendTimesNs.assign(size_t(config.messageCount()), -1);

    control::ClusterConfig clusterConfig;
    clusterConfig.webSocketNodes = config.webSocketNodes;
    clusterConfig.port = 0;
    clusterConfig.binDir = QCoreApplication::applicationDirPath();
    m_cluster = new control::Cluster(clusterConfig, this);
    connect(m_cluster, &control::Cluster::progress, this, [](const QString &step) { progress(QStringLiteral("cluster: ") + step); });
    connect(m_cluster, &control::Cluster::started, this, &FanoutBench::handleClusterStarted);
    connect(m_cluster, &control::Cluster::startFailed, this, [this](const QString &reason) {
        finish(QStringLiteral("the cluster did not start: ") + reason);
    });
    connect(m_cluster, &control::Cluster::failed, this, &FanoutBench::finish);
    connect(m_cluster, &control::Cluster::nodeExited, this, [this](const QString &name, const QString &description, const QStringList &tail) {
        m_problems << QStringLiteral("%1 exited during the run (%2)%3")
                          .arg(name, description, tail.isEmpty() ? QString() : QStringLiteral(": ") + tail.last());
    });
    connect(m_cluster, &control::Cluster::stopped, this, [this] {
        if (m_phase == Phase::Done)
            emit finished(m_exitCode);
    });

    m_phaseTimer->setSingleShot(true);
    connect(m_phaseTimer, &QTimer::timeout, this, [this] { finish(m_phaseTimeoutReason); });
    m_publishTimer->setTimerType(Qt::PreciseTimer);
    connect(m_publishTimer, &QTimer::timeout, this, &FanoutBench::publishDue);
    m_deadlineTimer->setSingleShot(true);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] {
        finish(QStringLiteral("hard deadline of %1 s reached").arg(m_config.durationS + kDeadlineSlackS));
    });
}

FanoutBench::~FanoutBench() = default;

void FanoutBench::run()
{
    m_publication.clock.start();
    m_deadlineTimer->start((m_config.durationS + kDeadlineSlackS) * 1000);
    m_cluster->start();
}

void FanoutBench::interrupt(const QString &reason)
{
    finish(reason);
}

void FanoutBench::handleClusterStarted()
{
    if (m_phase != Phase::Starting)
        return;
    m_nodePids = webSocketNodePids();
    if (m_nodePids.size() != m_config.webSocketNodes) {
        finish(QStringLiteral("%1 of %2 WebSocket nodes are running").arg(m_nodePids.size()).arg(m_config.webSocketNodes));
        return;
    }
    m_rssBefore = sumOver(m_nodePids, [](qint64 pid) { return util::residentBytes(pid); });
    progress(QStringLiteral("cluster is up on port %1").arg(m_cluster->port()));

    // A channel of our own, so nothing else on this machine can disturb the counts.
    m_url = QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/").arg(m_cluster->port()));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("channel"), QStringLiteral("bench-%1").arg(QCoreApplication::applicationPid()));
    m_url.setQuery(query);

    m_subscribers.reserve(size_t(m_config.subscribers));
    for (int i = 0; i < m_config.subscribers; ++i) {
        auto subscriber = std::make_unique<Subscriber>(m_url, &m_publication);
        connect(subscriber.get(), &Subscriber::welcomed, this, &FanoutBench::handleWelcomed);
        connect(subscriber.get(), &Subscriber::publisherJoined, this, [this] {
            ++m_publisherJoinsSeen;
            startPublishingWhenSettled();
        });
        connect(subscriber.get(), &Subscriber::complete, this, &FanoutBench::handleComplete);
        connect(subscriber.get(), &Subscriber::failed, this, [this, i](const QString &reason) { handleSubscriberFailed(i, reason); });
        m_subscribers.push_back(std::move(subscriber));
    }
    m_phase = Phase::Connecting;
    openNextBatch();
}

void FanoutBench::openNextBatch()
{
    const int count = std::min(kConnectBatch, m_config.subscribers - m_opened);
    progress(QStringLiteral("connecting subscribers %1-%2 of %3").arg(m_opened + 1).arg(m_opened + count).arg(m_config.subscribers));
    m_batchPending = count;
    startPhaseTimer(kBatchTimeoutMs, QStringLiteral("subscribers %1-%2 were not all welcomed within %3 s")
                                         .arg(m_opened + 1).arg(m_opened + count).arg(kBatchTimeoutMs / 1000));
    for (int i = 0; i < count; ++i)
        m_subscribers[size_t(m_opened++)]->open();
}

void FanoutBench::handleWelcomed()
{
    if (m_phase != Phase::Connecting || --m_batchPending > 0)
        return;
    if (m_opened < m_config.subscribers)
        openNextBatch();
    else
        connectPublisher();
}

void FanoutBench::handleSubscriberFailed(int index, const QString &reason)
{
    if (m_phase == Phase::Done)
        return;
    if (m_phase == Phase::Connecting || m_phase == Phase::Settling) {
        finish(QStringLiteral("subscriber %1 failed before publishing began: %2").arg(index + 1).arg(reason));
        return;
    }
    // While publishing, its missing messages count as lost; the first reason is enough.
    if (m_failedSubscribers++ == 0)
        progress(QStringLiteral("subscriber %1 failed: %2").arg(index + 1).arg(reason));
}

void FanoutBench::connectPublisher()
{
    m_phase = Phase::Settling;
    progress(QStringLiteral("all %1 subscribers welcomed; connecting the publisher").arg(m_config.subscribers));
    startPhaseTimer(kSettleTimeoutMs, QStringLiteral("the channel did not settle within %1 s (publisher join not seen by every subscriber)")
                                          .arg(kSettleTimeoutMs / 1000));
    // A clientId of our choosing lets subscribers spot the publisher's join, which is
    // sequenced after every subscriber's join.
    QUrl url = m_url;
    QUrlQuery query(url);
    query.addQueryItem(QStringLiteral("clientId"), m_publication.publisherId);
    url.setQuery(query);
    m_publisher = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_publisher, &QWebSocket::textMessageReceived, this, &FanoutBench::handlePublisherText);
    connect(m_publisher, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this, [this](QAbstractSocket::SocketError) {
        finish(QStringLiteral("publisher: ") + m_publisher->errorString());
    });
    connect(m_publisher, &QWebSocket::disconnected, this, [this] {
        finish(QStringLiteral("publisher disconnected (close code %1: %2)").arg(int(m_publisher->closeCode())).arg(m_publisher->closeReason()));
    });
    m_publisher->open(url);
}

void FanoutBench::handlePublisherText(const QString &text)
{
    const protocol::EventParse parsed = protocol::parseEvent(text.toUtf8());
    if (parsed.status != protocol::EventParse::Status::Ok)
        return;
    if (parsed.event.type == protocol::EventType::Welcome) {
        m_publisherWelcomed = true;
        startPublishingWhenSettled();
    } else if (parsed.event.type == protocol::EventType::Error) {
        // A refused publish (rate_limited, too_large) shows up as lost deliveries.
        if (m_publishErrors++ == 0)
            progress(QStringLiteral("publisher got an error: %1: %2").arg(parsed.event.code, parsed.event.message));
    }
}

void FanoutBench::startPublishingWhenSettled()
{
    if (m_phase != Phase::Settling || !m_publisherWelcomed || m_publisherJoinsSeen < m_config.subscribers)
        return;
    m_phaseTimer->stop();
    m_rssAfter = sumOver(m_nodePids, [](qint64 pid) { return util::residentBytes(pid); });
    m_nodeCpuStart = sumOver(m_nodePids, [](qint64 pid) { return util::cpuTimeMicros(pid); });
    m_ownCpuStart = util::cpuTimeMicros();
    m_phase = Phase::Publishing;
    progress(QStringLiteral("channel settled; publishing %1 messages at %2/s").arg(m_publication.messageCount).arg(m_config.rate));
    m_publishStartNs = m_publication.clock.nsecsElapsed();
    m_publishTimer->start(std::clamp(1000 / m_config.rate, 1, kMaxPublishTickMs));
    publishDue();
}

void FanoutBench::publishDue()
{
    const qint64 elapsedNs = m_publication.clock.nsecsElapsed() - m_publishStartNs;
    const qint64 due = std::min(m_publication.messageCount, elapsedNs * m_config.rate / 1000000000 + 1);
    while (m_sent < due) {
        const QString payload = QString::number(m_sent).rightJustified(m_config.size, QLatin1Char('0'));
        m_publication.sendTimesNs[size_t(m_sent)] = m_publication.clock.nsecsElapsed();
        m_publisher->sendTextMessage(QStringLiteral(R"({"type":"publish","data":"%1"})").arg(payload));
        ++m_sent;
    }
    if (m_sent < m_publication.messageCount)
        return;
    m_publishTimer->stop();
    m_phase = Phase::Draining;
    progress(QStringLiteral("all published; waiting up to %1 s for the last deliveries").arg(kGraceMs / 1000));
    startPhaseTimer(kGraceMs, QString()); // stragglers past the grace period count as lost
    if (m_complete == m_config.subscribers)
        finish(QString());
}

void FanoutBench::handleComplete()
{
    if (++m_complete == m_config.subscribers && m_phase == Phase::Draining)
        finish(QString());
}

void FanoutBench::startPhaseTimer(int ms, const QString &reasonOnTimeout)
{
    m_phaseTimeoutReason = reasonOnTimeout;
    m_phaseTimer->start(ms);
}

void FanoutBench::finish(const QString &failure)
{
    if (m_phase == Phase::Done)
        return;
    const Phase reached = m_phase;
    m_phase = Phase::Done;
    const qint64 endNs = m_publication.clock.nsecsElapsed();
    m_phaseTimer->stop();
    m_publishTimer->stop();
    m_deadlineTimer->stop();
    if (m_publishStartNs >= 0) {
        m_nodeCpuEnd = sumOver(m_nodePids, [](qint64 pid) { return util::cpuTimeMicros(pid); });
        m_ownCpuEnd = util::cpuTimeMicros();
    }

    if (reached == Phase::Starting) {
        std::printf("duplex-bench-fanout: FAILED: %s\n", qPrintable(failure));
    } else {
        const FanoutReport report = buildReport(failure, endNs);
        std::printf("%s\n", qPrintable(report.toMarkdown()));
        for (const QString &why : report.failures)
            std::printf("duplex-bench-fanout: FAILED: %s\n", qPrintable(why));
        if (m_config.json)
            std::printf("%s\n", report.toJsonLine().constData());
        m_exitCode = report.passed() ? 0 : 1;
    }
    std::fflush(stdout);
    // Queued: finish() may run inside a signal of a socket that stopCluster() deletes.
    QTimer::singleShot(0, this, &FanoutBench::stopCluster);
}

FanoutReport FanoutBench::buildReport(const QString &failure, qint64 endNs) const
{
    FanoutReport r;
    r.config = m_config;
    r.published = m_sent;
    r.expected = m_sent * qint64(m_subscribers.size());
    r.errors = m_publishErrors;
    std::vector<qint32> latencies;
    latencies.reserve(size_t(r.expected));
    qint64 lastReceiveNs = 0;
    for (const auto &s : m_subscribers) {
        r.delivered += s->received();
        r.duplicates += s->duplicates();
        r.outOfOrder += s->outOfOrder();
        r.gaps += s->gaps();
        r.errors += s->errors();
        r.unexpected += s->unexpected();
        r.disconnected += s->hasFailed() ? 1 : 0;
        lastReceiveNs = std::max(lastReceiveNs, s->lastReceiveNs());
        latencies.insert(latencies.end(), s->latenciesUs().begin(), s->latenciesUs().end());
    }
    r.setLatencies(latencies);

    if (m_publishStartNs >= 0) {
        // The publish phase runs from the first send to the last delivery.
        const qint64 phaseNs = (lastReceiveNs > m_publishStartNs ? lastReceiveNs : endNs) - m_publishStartNs;
        if (phaseNs > 0)
            r.deliveredPerSecond = double(r.delivered) * 1e9 / double(phaseNs);
        if (m_nodeCpuStart >= 0 && m_nodeCpuEnd >= 0 && r.delivered > 0)
            r.cpuPerMessageUs = double(m_nodeCpuEnd - m_nodeCpuStart) / double(r.delivered);
        if (m_ownCpuStart >= 0 && m_ownCpuEnd >= 0 && endNs > m_publishStartNs)
            r.clientCpuPercent = double(m_ownCpuEnd - m_ownCpuStart) * 1000.0 * 100.0 / double(endNs - m_publishStartNs);
        // The publisher holds a connection on a node too.
        if (m_rssBefore > 0 && m_rssAfter > 0)
            r.rssPerConnectionKiB = double(m_rssAfter - m_rssBefore) / double(m_config.subscribers + 1) / 1024.0;
    }

    if (!failure.isEmpty())
        r.failures << failure;
    r.failures << m_problems;
    if (r.lost() > 0)
        r.failures << QStringLiteral("%1 deliveries lost (%2 subscribers disconnected, %3 publish errors)")
                          .arg(r.lost()).arg(r.disconnected).arg(m_publishErrors);
    if (r.duplicates > 0)
        r.failures << QStringLiteral("%1 deliveries duplicated").arg(r.duplicates);
    return r;
}

void FanoutBench::stopCluster()
{
    // Our sockets go first, so the nodes see clients leave rather than die under them.
    m_subscribers.clear();
    if (m_publisher) {
        m_publisher->disconnect(this);
        m_publisher->deleteLater();
        m_publisher = nullptr;
    }
    if (m_cluster->state() == control::Cluster::State::Stopped) {
        QTimer::singleShot(0, this, [this] { emit finished(m_exitCode); });
        return;
    }
    QTimer::singleShot(kStopTimeoutMs, this, [this] {
        progress(QStringLiteral("the cluster did not stop within %1 s").arg(kStopTimeoutMs / 1000));
        emit finished(1);
    });
    m_cluster->stop();
}

QList<qint64> FanoutBench::webSocketNodePids() const
{
    QList<qint64> pids;
    for (const control::NodeStatus &node : m_cluster->nodes()) {
        if (node.role == control::NodeRole::WebSocket && node.pid > 0)
            pids << node.pid;
    }
    return pids;
}

} // namespace duplex::bench
