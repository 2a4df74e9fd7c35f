#include "cometbench.h"

#include "benchsubscriber.h"
#include "cometbenchreport.h"
#include "cometsubscriber.h"
#include "runningstats.h"
#include "timedpayload.h"
#include "websocketsubscriber.h"

#include "control/cluster.h"
#include "protocol/codec.h"
#include "util/procstats.h"

#include <QCoreApplication>
#include <QSaveFile>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>

namespace duplex::bench {

namespace {

// A batch that is not welcomed in this time means the cluster cannot take the clients.
constexpr int kBatchTimeoutMs = 20000;
// The join of every subscriber goes to every earlier one: settling after the ramp means
// delivering N^2/2 join events, to Comet clients in poll answers of up to 1000 events.
constexpr int kSettleTimeoutMs = 30000;
// /metrics is answered at once by an idle node; a node that is not answering in this
// time is reported as not measured rather than holding up the run.
constexpr int kSampleTimeoutMs = 3000;
// The hard deadline: publishing plus grace plus this, plus a second per ramp batch.
constexpr int kDeadlineSlackS = 120;
// Cluster::stop() gives each child 3 s before SIGKILL; they stop in parallel.
constexpr int kStopTimeoutMs = 15000;
// The publish timer's longest period: due messages are sent by schedule on each tick,
// so a late tick delays messages but never changes the average rate.
constexpr int kMaxPublishTickMs = 10;

void progress(const QString &line)
{
    std::fprintf(stderr, "duplex-bench-comet: %s\n", qPrintable(line));
    std::fflush(stderr);
}

} // namespace

CometBench::CometBench(const CometBenchConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_sampler(new NodeSampler(this))
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
    clusterConfig.cometNodes = config.cometNodes;
    clusterConfig.port = 0;
    clusterConfig.binDir = QCoreApplication::applicationDirPath();
    m_cluster = new control::Cluster(clusterConfig, this);
    connect(m_cluster, &control::Cluster::progress, this, [](const QString &step) { progress(QStringLiteral("cluster: ") + step); });
    connect(m_cluster, &control::Cluster::started, this, &CometBench::handleClusterStarted);
    connect(m_cluster, &control::Cluster::startFailed, this, [this](const QString &reason) {
        finish(QStringLiteral("the cluster did not start: ") + reason);
    });
    connect(m_cluster, &control::Cluster::failed, this, &CometBench::finish);
    connect(m_cluster, &control::Cluster::nodeExited, this, [this](const QString &name, const QString &description, const QStringList &tail) {
        m_problems << QStringLiteral("%1 exited during the run (%2)%3")
                          .arg(name, description, tail.isEmpty() ? QString() : QStringLiteral(": ") + tail.last());
    });
    connect(m_cluster, &control::Cluster::stopped, this, [this] {
        if (m_phase == Phase::Done && !m_finishedEmitted) {
            m_finishedEmitted = true;
            emit finished(m_exitCode);
        }
    });

    m_phaseTimer->setSingleShot(true);
    connect(m_phaseTimer, &QTimer::timeout, this, [this] {
        finish(m_phase == Phase::Connecting ? batchTimeoutReason() : m_phaseTimeoutReason);
    });
    m_publishTimer->setTimerType(Qt::PreciseTimer);
    connect(m_publishTimer, &QTimer::timeout, this, &CometBench::publishDue);
    m_deadlineTimer->setSingleShot(true);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] {
        finish(QStringLiteral("hard deadline of %1 s reached").arg(m_deadlineTimer->interval() / 1000));
    });
}

CometBench::~CometBench() = default;

void CometBench::run()
{
    m_publication.clock.start();
    const int batches = (m_config.subscribers() + m_config.connectBatch - 1) / m_config.connectBatch;
    m_deadlineTimer->start((m_config.durationS + m_config.graceS + kDeadlineSlackS + batches) * 1000);
    m_cluster->start();
}

void CometBench::interrupt(const QString &reason)
{
    finish(reason);
}

int CometBench::runningNodes(control::NodeRole role) const
{
    const QList<control::NodeStatus> nodes = m_cluster->nodes();
    return int(std::count_if(nodes.cbegin(), nodes.cend(), [role](const control::NodeStatus &n) {
        return n.role == role && n.state == control::ChildProcess::State::Running && n.pid > 0;
    }));
}

void CometBench::handleClusterStarted()
{
    if (m_phase != Phase::Starting)
        return;
    const int webSocketNodes = runningNodes(control::NodeRole::WebSocket);
    const int cometNodes = runningNodes(control::NodeRole::Comet);
    if (webSocketNodes != m_config.webSocketNodes || cometNodes != m_config.cometNodes) {
        finish(QStringLiteral("%1 of %2 WebSocket nodes and %3 of %4 Comet nodes are running")
                   .arg(webSocketNodes).arg(m_config.webSocketNodes).arg(cometNodes).arg(m_config.cometNodes));
        return;
    }
    progress(QStringLiteral("cluster is up on port %1; reading the nodes at rest").arg(m_cluster->port()));
    m_phase = Phase::Baseline;
    m_sampler->sample(m_cluster->nodes(), kSampleTimeoutMs, [this](const NodeSampler::Samples &samples) {
        if (m_phase != Phase::Baseline)
            return;
        m_baseline = samples;
        createSubscribers();
        m_phase = Phase::Connecting;
        openNextBatch();
    });
}

void CometBench::createSubscribers()
{
    // A channel of our own, so nothing else on this machine can disturb the counts.
    m_channel = QStringLiteral("bench-comet-%1").arg(QCoreApplication::applicationPid());
    QUrl url(QStringLiteral("ws://127.0.0.1:%1/ws/").arg(m_cluster->port()));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("channel"), m_channel);
    url.setQuery(query);

    const int total = m_config.subscribers();
    m_subscribers.reserve(size_t(total));
    for (int i = 0; i < m_config.cometSubscribers; ++i) {
        client::CometClient::Options options;
        options.host = QStringLiteral("127.0.0.1");
        options.port = m_cluster->port();
        options.channel = m_channel;
        // nginx's ip_hash keys on the first three octets (QT64-NOTES.md).
        options.source = QHostAddress(QStringLiteral("127.0.%1.1").arg(i % m_config.sourceAddresses + 1));
        m_subscribers.push_back(std::make_unique<CometSubscriber>(options, &m_publication));
    }
    for (int i = 0; i < m_config.webSocketSubscribers; ++i)
        m_subscribers.push_back(std::make_unique<WebSocketSubscriber>(url, &m_publication));

    for (int i = 0; i < total; ++i) {
        BenchSubscriber *subscriber = m_subscribers[size_t(i)].get();
        connect(subscriber, &BenchSubscriber::welcomed, this, &CometBench::handleWelcomed);
        connect(subscriber, &BenchSubscriber::publisherJoined, this, [this] {
            ++m_publisherJoinsSeen;
            startPublishingWhenSettled();
        });
        connect(subscriber, &BenchSubscriber::complete, this, &CometBench::handleComplete);
        connect(subscriber, &BenchSubscriber::failed, this, [this, i](const QString &reason) { handleSubscriberFailed(i, reason); });
    }

    // Both kinds ramp up side by side, so neither meets a cluster the other has warmed.
    const int comet = m_config.cometSubscribers;
    for (int i = 0; i < std::max(comet, m_config.webSocketSubscribers); ++i) {
        if (i < comet)
            m_openOrder.push_back(i);
        if (i < m_config.webSocketSubscribers)
            m_openOrder.push_back(comet + i);
    }
}

void CometBench::openNextBatch()
{
    const int total = m_config.subscribers();
    m_batchEnd = std::min(total, m_opened + m_config.connectBatch);
    progress(QStringLiteral("connecting subscribers %1-%2 of %3").arg(m_opened + 1).arg(m_batchEnd).arg(total));
    startPhaseTimer(kBatchTimeoutMs, QStringLiteral("subscribers %1-%2 were not all welcomed within %3 s")
                                         .arg(m_opened + 1).arg(m_batchEnd).arg(kBatchTimeoutMs / 1000));
    for (; m_opened < m_batchEnd; ++m_opened)
        m_subscribers[size_t(m_openOrder[size_t(m_opened)])]->open();
}

QString CometBench::batchTimeoutReason() const
{
    for (int k = 0; k < m_batchEnd; ++k) {
        const int index = m_openOrder[size_t(k)];
        const BenchSubscriber *s = m_subscribers[size_t(index)].get();
        if (s->isWelcomed())
            continue;
        const bool comet = index < m_config.cometSubscribers;
        return QStringLiteral("%1 (first one waiting: %2 subscriber %3, last problem: %4)")
            .arg(m_phaseTimeoutReason, comet ? QStringLiteral("Comet") : QStringLiteral("WebSocket"))
            .arg(comet ? index + 1 : index - m_config.cometSubscribers + 1)
            .arg(s->lastProblem().isEmpty() ? QStringLiteral("none reported") : s->lastProblem());
    }
    return m_phaseTimeoutReason;
}

void CometBench::handleWelcomed()
{
    if (m_phase != Phase::Connecting || ++m_welcomed < m_batchEnd)
        return;
    if (m_opened < m_config.subscribers())
        openNextBatch();
    else
        connectPublisher();
}

void CometBench::handleSubscriberFailed(int index, const QString &reason)
{
    const bool comet = index < m_config.cometSubscribers;
    const QString who = QStringLiteral("%1 subscriber %2")
                            .arg(comet ? QStringLiteral("Comet") : QStringLiteral("WebSocket"))
                            .arg(comet ? index + 1 : index - m_config.cometSubscribers + 1);
    if (m_phase == Phase::Connecting || m_phase == Phase::Settling || m_phase == Phase::Loaded) {
        finish(QStringLiteral("%1 failed before publishing began: %2").arg(who, reason));
        return;
    }
    if (m_phase != Phase::Publishing && m_phase != Phase::Draining)
        return;
    // While publishing, its missing messages count as lost; the first reason is enough.
    if (m_failedSubscribers++ == 0)
        progress(QStringLiteral("%1 failed: %2").arg(who, reason));
}

void CometBench::connectPublisher()
{
    m_phase = Phase::Settling;
    progress(QStringLiteral("all %1 subscribers welcomed; connecting the publisher").arg(m_config.subscribers()));
    startPhaseTimer(kSettleTimeoutMs, QStringLiteral("the channel did not settle within %1 s (publisher join not seen by every subscriber)")
                                          .arg(kSettleTimeoutMs / 1000));
    // A clientId of our choosing lets subscribers spot the publisher's join, which is
    // sequenced after every subscriber's join.
    QUrl url(QStringLiteral("ws://127.0.0.1:%1/ws/").arg(m_cluster->port()));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("channel"), m_channel);
    query.addQueryItem(QStringLiteral("clientId"), m_publication.publisherId);
    url.setQuery(query);
    m_publisher = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_publisher, &QWebSocket::textMessageReceived, this, &CometBench::handlePublisherText);
    connect(m_publisher, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this, [this](QAbstractSocket::SocketError) {
        finish(QStringLiteral("publisher: ") + m_publisher->errorString());
    });
    connect(m_publisher, &QWebSocket::disconnected, this, [this] {
        finish(QStringLiteral("publisher disconnected (close code %1: %2)").arg(int(m_publisher->closeCode())).arg(m_publisher->closeReason()));
    });
    m_publisher->open(url);
}

void CometBench::handlePublisherText(const QString &text)
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

void CometBench::startPublishingWhenSettled()
{
    if (m_phase != Phase::Settling || !m_publisherWelcomed || m_publisherJoinsSeen < m_config.subscribers())
        return;
    m_phase = Phase::Loaded;
    progress(QStringLiteral("channel settled; reading the nodes with every subscriber connected"));
    startPhaseTimer(kSampleTimeoutMs * 2, QStringLiteral("the nodes' metrics were not read in time"));
    m_sampler->sample(m_cluster->nodes(), kSampleTimeoutMs, [this](const NodeSampler::Samples &samples) {
        if (m_phase == Phase::Loaded)
            startPublishing(samples);
    });
}

void CometBench::startPublishing(const NodeSampler::Samples &loaded)
{
    m_phaseTimer->stop();
    m_loaded = loaded;
    m_pollsAtStart.clear();
    for (const auto &s : m_subscribers)
        m_pollsAtStart.push_back(s->polls());
    m_ownCpuStart = util::cpuTimeMicros();
    m_phase = Phase::Publishing;
    progress(QStringLiteral("publishing %1 messages, one every %2 ms").arg(m_publication.messageCount).arg(m_config.intervalMs));
    m_publishStartNs = m_publication.clock.nsecsElapsed();
    m_publishTimer->start(std::clamp(m_config.intervalMs, 1, kMaxPublishTickMs));
    publishDue();
}

void CometBench::publishDue()
{
    const qint64 intervalNs = qint64(m_config.intervalMs) * 1000000;
    const qint64 elapsedNs = m_publication.clock.nsecsElapsed() - m_publishStartNs;
    const qint64 due = std::min(m_publication.messageCount, elapsedNs / intervalNs + 1);
    if (m_sent >= due)
        return;
    while (m_sent < due) {
        const qint64 sendNs = m_publication.clock.nsecsElapsed();
        m_publication.sendTimesNs[size_t(m_sent)] = sendNs;
        const QString payload = timedpayload::encode(m_sent, sendNs / 1000, m_config.size);
        m_publisher->sendTextMessage(QStringLiteral(R"({"type":"publish","data":"%1"})").arg(payload));
        m_lastSendNs = sendNs;
        ++m_sent;
    }
    // Out now rather than when the event loop next looks at the socket: the send time is
    // already on the message. flush() writes what the kernel takes and never blocks.
    m_publisher->flush();
    if (m_sent < m_publication.messageCount)
        return;
    m_publishTimer->stop();
    m_phase = Phase::Draining;
    progress(QStringLiteral("all published; waiting up to %1 s for the last deliveries").arg(m_config.graceS));
    startPhaseTimer(m_config.graceS * 1000, QString()); // stragglers past the grace period count as lost
    if (m_complete == m_config.subscribers())
        finish(QString());
}

void CometBench::handleComplete()
{
    if (++m_complete == m_config.subscribers() && m_phase == Phase::Draining)
        finish(QString());
}

void CometBench::startPhaseTimer(int ms, const QString &reasonOnTimeout)
{
    m_phaseTimeoutReason = reasonOnTimeout;
    m_phaseTimer->start(ms);
}

void CometBench::finish(const QString &failure)
{
    if (m_phase == Phase::Done)
        return;
    if (m_failure.isEmpty())
        m_failure = failure;
    if (m_phase == Phase::Closing) {
        // Interrupted while the last reading is under way: report without it.
        report();
        return;
    }
    m_phase = Phase::Closing;
    m_endNs = m_publication.clock.nsecsElapsed();
    m_phaseTimer->stop();
    m_publishTimer->stop();
    // Numbers stop moving here; the connections stay open until the report is printed.
    m_pollsAtEnd.clear();
    for (const auto &s : m_subscribers) {
        s->freeze();
        m_pollsAtEnd.push_back(s->polls());
    }
    m_ownCpuEnd = util::cpuTimeMicros();
    if (m_publishStartNs < 0) {
        report();
        return;
    }
    m_sampler->sample(m_cluster->nodes(), kSampleTimeoutMs, [this](const NodeSampler::Samples &samples) {
        if (m_phase != Phase::Closing)
            return;
        m_end = samples;
        report();
    });
}

void CometBench::report()
{
    m_phase = Phase::Done;
    m_deadlineTimer->stop();
    if (m_publishStartNs < 0) {
        // Nothing was measured: one line says why.
        std::fprintf(stderr, "duplex-bench-comet: FAILED: %s\n", qPrintable(m_failure));
        m_exitCode = 1;
    } else {
        CometBenchReport r = buildReport();
        if (!m_config.jsonFile.isEmpty()) {
            QSaveFile file(m_config.jsonFile);
            if (!file.open(QIODevice::WriteOnly) || file.write(r.toJson()) < 0 || !file.commit())
                r.failures << QStringLiteral("cannot write %1: %2").arg(m_config.jsonFile, file.errorString());
        }
        std::printf("%s\n", qPrintable(r.toMarkdown()));
        std::fflush(stdout);
        for (const QString &why : r.failures)
            std::fprintf(stderr, "duplex-bench-comet: FAILED: %s\n", qPrintable(why));
        m_exitCode = r.passed() ? 0 : 1;
    }
    std::fflush(stderr);
    // Queued: report() may run inside a signal of a socket that stopCluster() deletes.
    QTimer::singleShot(0, this, &CometBench::stopCluster);
}

CometBenchReport CometBench::buildReport() const
{
    CometBenchReport r;
    r.config = m_config;
    r.published = m_sent;
    r.publishErrors = m_publishErrors;
    if (m_lastSendNs >= m_publishStartNs)
        r.publishSpanS = double(m_lastSendNs - m_publishStartNs) / 1e9;
    if (m_ownCpuStart >= 0 && m_ownCpuEnd >= 0 && m_endNs > m_publishStartNs)
        r.benchCpuPercent = double(m_ownCpuEnd - m_ownCpuStart) * 1000.0 * 100.0 / double(m_endNs - m_publishStartNs);

    struct Kind
    {
        QString name;
        control::NodeRole role;
        int first;
        int count;
        int otherConnections; // the publisher's connection, on a WebSocket node
    };
    const Kind kinds[] = {
        {QStringLiteral("Comet"), control::NodeRole::Comet, 0, m_config.cometSubscribers, 0},
        {QStringLiteral("WebSocket"), control::NodeRole::WebSocket, m_config.cometSubscribers, m_config.webSocketSubscribers, 1},
    };
    for (const Kind &kind : kinds) {
        CometBenchReport::Transport t;
        t.name = kind.name;
        t.clients = kind.count;
        t.expected = m_sent * kind.count;
        std::vector<qint32> latencies;
        latencies.reserve(size_t(t.expected));
        RunningStats meanPerClient;
        RunningStats jitterPerClient;
        qint64 polls = 0;
        bool polling = false;
        for (int i = kind.first; i < kind.first + kind.count; ++i) {
            const BenchSubscriber &s = *m_subscribers[size_t(i)];
            if (s.isWelcomed())
                ++t.clientsByNode[s.node()];
            t.delivered += s.received();
            t.duplicates += s.duplicates();
            t.outOfOrder += s.outOfOrder();
            t.gaps += s.gaps();
            t.errors += s.errors();
            t.unexpected += s.unexpected();
            t.disconnected += s.hasFailed() ? 1 : 0;
            t.reconnects += s.reconnects();
            if (s.redeliveriesDropped() >= 0)
                t.redeliveriesDropped = std::max<qint64>(t.redeliveriesDropped, 0) + s.redeliveriesDropped();
            if (s.interArrivalMs().count() > 0) {
                meanPerClient.add(s.interArrivalMs().mean());
                jitterPerClient.add(s.interArrivalMs().stddev());
            }
            latencies.insert(latencies.end(), s.latenciesUs().cbegin(), s.latenciesUs().cend());
            if (size_t(i) < m_pollsAtStart.size() && size_t(i) < m_pollsAtEnd.size() && m_pollsAtStart[size_t(i)] >= 0) {
                polling = true;
                polls += m_pollsAtEnd[size_t(i)] - m_pollsAtStart[size_t(i)];
            }
        }
        t.setLatencies(latencies);
        t.interMessageMeanMs = meanPerClient.mean();
        t.interMessageSpreadMs = meanPerClient.stddev();
        t.interMessageJitterMs = jitterPerClient.mean();
        if (polling) {
            t.polls = polls;
            t.pollsPerMessage = t.delivered > 0 ? double(polls) / double(t.delivered) : -1;
        }
        const double cpuStart = NodeSampler::cpuSeconds(m_loaded, kind.role);
        const double cpuEnd = NodeSampler::cpuSeconds(m_end, kind.role);
        if (cpuStart >= 0 && cpuEnd >= cpuStart && t.delivered > 0)
            t.nodeCpuPerMessageUs = (cpuEnd - cpuStart) * 1e6 / double(t.delivered);
        const double rssBefore = NodeSampler::residentBytes(m_baseline, kind.role);
        const double rssAfter = NodeSampler::residentBytes(m_loaded, kind.role);
        if (rssBefore > 0 && rssAfter > 0 && kind.count > 0)
            t.nodeRssPerClientKiB = std::max(0.0, rssAfter - rssBefore) / double(kind.count + kind.otherConnections) / 1024.0;
        r.transports.push_back(t);
    }

    if (!m_failure.isEmpty())
        r.failures << m_failure;
    r.failures << m_problems;
    if (m_config.requireComplete) {
        for (const CometBenchReport::Transport &t : r.transports) {
            if (t.lost() > 0)
                r.failures << QStringLiteral("%1: %2 deliveries lost (%3 subscribers disconnected, %4 gaps, %5 publish errors)")
                                  .arg(t.name).arg(t.lost()).arg(t.disconnected).arg(t.gaps).arg(m_publishErrors);
            if (t.duplicates > 0)
                r.failures << QStringLiteral("%1: %2 deliveries duplicated").arg(t.name).arg(t.duplicates);
        }
    }
    return r;
}

void CometBench::stopCluster()
{
    // Our sockets go first, so the nodes see clients leave rather than die under them.
    m_subscribers.clear();
    if (m_publisher) {
        m_publisher->disconnect(this);
        m_publisher->deleteLater();
        m_publisher = nullptr;
    }
    if (m_cluster->state() == control::Cluster::State::Stopped) {
        QTimer::singleShot(0, this, [this] {
            if (!m_finishedEmitted) {
                m_finishedEmitted = true;
                emit finished(m_exitCode);
            }
        });
        return;
    }
    QTimer::singleShot(kStopTimeoutMs, this, [this] {
        if (m_finishedEmitted)
            return;
        progress(QStringLiteral("the cluster did not stop within %1 s").arg(kStopTimeoutMs / 1000));
        m_finishedEmitted = true;
        emit finished(1);
    });
    m_cluster->stop();
}

} // namespace duplex::bench
