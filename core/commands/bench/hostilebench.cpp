#include "bench/hostilebench.h"

#include "bench/attackphase.h"
#include "bench/benchtarget.h"
#include "bench/bystander.h"
#include "client/httpconnection.h"
#include "metrics/metrics.h"

#include <QThread>
#include <QTimer>

#include <cmath>
#include <memory>

namespace duplex::bench {

namespace {

constexpr int kSampleMs = 100;
// After publishing stops, the bystander's last messages get this long to arrive.
constexpr int kDrainMs = 10000;
constexpr int kDrainTickMs = 100;
// Per phase beyond its seconds: preparation (1000 x 16 KiB), drain, settling; and the
// cluster's start and stop.
constexpr int kPhaseSlackS = 90;
// A count-bounded attack (20,000 polls) may take this many phase lengths to be answered.
constexpr int kCapFactor = 10;
constexpr int kRunSlackS = 120;
constexpr int kStopTimeoutMs = 15000;

// A sample in which a process of the role could not be read (-1) is left out: the sum
// of the others would understate the role.
void track(HostileReport::Memory *memory, qint64 bytes, bool first)
{
    if (bytes <= 0)
        return;
    if (first || memory->atStart <= 0)
        memory->atStart = bytes;
    memory->peak = qMax(memory->peak, bytes);
}

} // namespace

HostileBench::HostileBench(HostileBenchConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_sampleTimer(new QTimer(this))
    , m_phaseTimer(new QTimer(this))
    , m_drainTimer(new QTimer(this))
    , m_deadlineTimer(new QTimer(this))
    , m_attackThread(new QThread(this))
    , m_capTimer(new QTimer(this))
{
    m_sampleTimer->setInterval(kSampleMs);
    connect(m_sampleTimer, &QTimer::timeout, this, &HostileBench::sampleMemory);
    m_phaseTimer->setSingleShot(true);
    connect(m_phaseTimer, &QTimer::timeout, this, &HostileBench::handlePhaseTime);
    m_capTimer->setSingleShot(true);
    connect(m_capTimer, &QTimer::timeout, this, &HostileBench::endPhase);
    m_drainTimer->setInterval(kDrainTickMs);
    connect(m_drainTimer, &QTimer::timeout, this, &HostileBench::handleDrainTick);
    m_deadlineTimer->setSingleShot(true);
    connect(m_deadlineTimer, &QTimer::timeout, this, [this] { finish(QStringLiteral("hard deadline reached")); });
    m_report.title = QStringLiteral("duplex-bench-hostile: a fresh cluster per phase (1 WebSocket + 1 Comet node behind nginx); %1 s per phase; bystander "
                                    "publishing %2/s on WebSocket, read on WebSocket and Comet")
                         .arg(m_config.phaseSeconds).arg(m_config.bystanderRate);
}

HostileBench::~HostileBench()
{
    m_attackThread->quit();
    m_attackThread->wait();
    // The thread has ended: what it held can go from here.
    delete m_attack;
}

void HostileBench::tellAttack(void (AttackPhase::*call)())
{
    AttackPhase *attack = m_attack;
    QMetaObject::invokeMethod(attack, [attack, call] { (attack->*call)(); }, Qt::QueuedConnection);
}

void HostileBench::start()
{
    m_deadlineTimer->start((int(m_config.attacks.size()) * (m_config.phaseSeconds * kCapFactor + kPhaseSlackS) + kRunSlackS) * 1000);
    m_attackThread->start();
    nextPhase();
}

void HostileBench::interrupt(const QString &reason)
{
    finish(reason);
}

void HostileBench::handleTargetStarted()
{
    emit progressed(QStringLiteral("cluster up on port %1; connecting the bystander").arg(m_target->port()));
    m_bystander = new Bystander(QStringLiteral("127.0.0.1"), m_target->port(), m_config.bystanderRate, this);
    auto *readyTimeout = new QTimer(this);
    readyTimeout->setSingleShot(true);
    connect(readyTimeout, &QTimer::timeout, this, [this] { finish(QStringLiteral("the bystander did not connect within 20 s")); });
    connect(m_bystander, &Bystander::ready, this, [this, readyTimeout] {
        readyTimeout->stop();
        readyTimeout->deleteLater();
        prepareAttack();
    });
    readyTimeout->start(20000);
    m_bystander->start();
}

void HostileBench::nextPhase()
{
    if (m_finishing)
        return;
    ++m_phaseIndex;
    if (m_phaseIndex >= m_config.attacks.size()) {
        finish(QString());
        return;
    }
    const HostileAttack attack = m_config.attacks.at(m_phaseIndex);
    m_current = HostileReport::Phase();
    m_current.attack = hostileAttackName(attack);
    emit progressed(QStringLiteral("phase %1 of %2: %3 (%4)")
                        .arg(m_phaseIndex + 1).arg(m_config.attacks.size()).arg(m_current.attack, hostileAttackSummary(attack)));
    BenchTarget::Config target;
    target.webSocketNodes = 1;
    target.cometNodes = 1;
    target.nginxProgram = m_config.nginxProgram;
    target.binDir = m_config.binDir;
    m_target = new BenchTarget(target, this);
    connect(m_target, &BenchTarget::progressed, this, &HostileBench::progressed);
    connect(m_target, &BenchTarget::started, this, &HostileBench::handleTargetStarted);
    connect(m_target, &BenchTarget::failed, this, &HostileBench::finish);
    // A node that died fails the run; the cluster restarts it and the phase goes on, so the
    // table still says what the attack cost.
    connect(m_target, &BenchTarget::faulted, this, [this](const QString &reason) {
        m_report.failures << QStringLiteral("%1 (phase %2)").arg(reason, m_current.attack);
    });
    m_target->start();
}

void HostileBench::prepareAttack()
{
    if (m_finishing)
        return;
    m_attack = new AttackPhase(m_config.attacks.at(m_phaseIndex), QStringLiteral("127.0.0.1"), m_target->port());
    m_attack->moveToThread(m_attackThread);
    m_attackStopped = m_drained = m_attackCompleted = m_phaseTimeOver = m_phaseEnded = false;
    connect(m_attack, &AttackPhase::prepared, this, &HostileBench::beginPhase, Qt::QueuedConnection);
    connect(m_attack, &AttackPhase::stopped, this, &HostileBench::handleAttackStopped, Qt::QueuedConnection);
    connect(m_attack, &AttackPhase::completed, this, &HostileBench::handleAttackCompleted, Qt::QueuedConnection);
    tellAttack(&AttackPhase::prepare);
}

void HostileBench::beginPhase()
{
    if (m_finishing)
        return;
    // The first sample is the phase's start.
    m_current.broker = m_current.webSocket = m_current.comet = m_current.nginx = HostileReport::Memory();
    readClosures(&m_closuresAtStart, [] {});
    sampleMemory();
    m_sampleTimer->start();
    m_bystander->beginPhase(m_phaseIndex);
    tellAttack(&AttackPhase::start);
    m_phaseTimer->start(m_config.phaseSeconds * 1000);
    if (AttackPhase::isCountBounded(m_attack->attack()))
        m_capTimer->start(m_config.phaseSeconds * kCapFactor * 1000);
}

void HostileBench::handlePhaseTime()
{
    m_phaseTimeOver = true;
    if (!AttackPhase::isCountBounded(m_attack->attack()) || m_attackCompleted)
        endPhase();
}

void HostileBench::handleAttackCompleted()
{
    m_attackCompleted = true;
    if (m_phaseTimeOver)
        endPhase();
}

void HostileBench::endPhase()
{
    if (m_phaseEnded || m_finishing)
        return;
    m_phaseEnded = true;
    m_phaseTimer->stop();
    m_capTimer->stop();
    tellAttack(&AttackPhase::stop);
    m_bystander->endPublishing();
    m_drainTicks = 0;
    m_drainTimer->start();
}

void HostileBench::handleDrainTick()
{
    ++m_drainTicks;
    if (!m_bystander->complete() && m_drainTicks * kDrainTickMs < kDrainMs)
        return;
    m_drainTimer->stop();
    m_drained = true;
    handleDrained();
}

void HostileBench::handleAttackStopped(const QString &outcome)
{
    m_current.outcome = outcome;
    m_attackStopped = true;
    handleDrained();
}

void HostileBench::handleDrained()
{
    // The phase is over once the bystander's last message is in (or its wait is over) and
    // the attack has said what it did.
    if (!m_drained || !m_attackStopped || m_finishing)
        return;
    readClosures(&m_closuresAtEnd, [this] {
        if (m_finishing)
            return;
        recordPhase();
        stopPhaseCluster([this] { nextPhase(); });
    });
}

void HostileBench::readClosures(QPair<double, double> *into, const std::function<void()> &then)
{
    *into = {std::nan(""), std::nan("")};
    const quint16 port = m_target->adminPort(util::Role::WebSocket);
    if (port == 0) {
        QTimer::singleShot(0, this, then);
        return;
    }
    client::HttpConnection::getOnce(QStringLiteral("127.0.0.1"), port, "/metrics", 5000, this,
                                    [into, then](const client::HttpResult &r) {
                                        if (r.status == 200) {
                                            const QMap<QByteArray, double> m = metrics::Metrics::parse(r.body);
                                            *into = {m.value("duplex_slow_closed_total", std::nan("")),
                                                     m.value("duplex_rate_limited_total", std::nan(""))};
                                        }
                                        then();
                                    });
}


void HostileBench::recordPhase()
{
    m_sampleTimer->stop();
    sampleMemory();
    m_current.sent = m_bystander->sent();
    m_current.webSocketBystander.received = m_bystander->webSocket().received;
    m_current.webSocketBystander.latencyUs = m_bystander->webSocket().latencyUs;
    m_current.cometBystander.received = m_bystander->comet().received;
    m_current.cometBystander.latencyUs = m_bystander->comet().latencyUs;
    m_current.bystanderReconnects = m_bystander->reconnects();
    // A client that never reads never sees its close: the node's counts say it.
    const double slowClosed = m_closuresAtEnd.first - m_closuresAtStart.first;
    const double rateLimited = m_closuresAtEnd.second - m_closuresAtStart.second;
    QStringList closures;
    if (slowClosed > 0)
        closures << QStringLiteral("%1 closed too slow").arg(slowClosed);
    if (rateLimited > 0)
        closures << QStringLiteral("%1 closed rate-limited").arg(rateLimited);
    if (!closures.isEmpty())
        m_current.outcome += QStringLiteral("; ws node: ") + closures.join(QStringLiteral(", "));
    if (m_current.lost() > 0) {
        m_report.failures << QStringLiteral("phase %1: the bystander lost %2 of %3 messages (WebSocket %4, Comet %5 received)")
                                 .arg(m_current.attack)
                                 .arg(m_current.lost())
                                 .arg(m_current.sent * 2)
                                 .arg(m_current.webSocketBystander.received)
                                 .arg(m_current.cometBystander.received);
    }
    if (m_bystander->publishFailures() > 0)
        m_report.failures << QStringLiteral("phase %1: %2 bystander publishes failed").arg(m_current.attack).arg(m_bystander->publishFailures());
    m_report.phases << m_current;
    emit progressed(QStringLiteral("phase %1 done: %2").arg(m_current.attack,
                                                          m_current.outcome.isEmpty() ? QStringLiteral("-") : m_current.outcome));
}

void HostileBench::sampleMemory()
{
    const bool first = m_current.broker.peak == 0 && m_current.webSocket.peak == 0;
    track(&m_current.broker, m_target->readRole(util::Role::Broker).residentBytes, first);
    track(&m_current.webSocket, m_target->readRole(util::Role::WebSocket).residentBytes, first);
    track(&m_current.comet, m_target->readRole(util::Role::Comet).residentBytes, first);
    track(&m_current.nginx, m_target->readRole(util::Role::Nginx).residentBytes, first);
}

void HostileBench::stopPhaseCluster(const std::function<void()> &then)
{
    if (m_attack) {
        // Its thread deletes it once it has stopped everything it holds.
        AttackPhase *attack = m_attack;
        m_attack = nullptr;
        QMetaObject::invokeMethod(attack, [attack] {
            attack->stop();
            delete attack;
        }, Qt::QueuedConnection);
    }
    if (m_bystander) {
        m_bystander->stop();
        m_bystander->deleteLater();
        m_bystander = nullptr;
    }
    BenchTarget *target = m_target;
    m_target = nullptr;
    if (!target) {
        QTimer::singleShot(0, this, then);
        return;
    }
    // What the cluster says while stopping is not news.
    disconnect(target, &BenchTarget::faulted, this, nullptr);
    disconnect(target, &BenchTarget::failed, this, nullptr);
    auto done = std::make_shared<bool>(false);
    auto proceed = [this, target, then, done](bool stoppedInTime) {
        if (*done)
            return;
        *done = true;
        if (!stoppedInTime)
            m_report.failures << QStringLiteral("a cluster did not stop within %1 s").arg(kStopTimeoutMs / 1000);
        target->deleteLater();
        then();
    };
    connect(target, &BenchTarget::stopped, this, [proceed] { proceed(true); });
    QTimer::singleShot(kStopTimeoutMs, this, [proceed] { proceed(false); });
    target->stop();
}

void HostileBench::finish(const QString &failure)
{
    if (m_finishing)
        return;
    m_finishing = true;
    if (!failure.isEmpty())
        m_report.failures << failure;
    m_sampleTimer->stop();
    m_phaseTimer->stop();
    m_capTimer->stop();
    m_drainTimer->stop();
    m_deadlineTimer->stop();
    stopPhaseCluster([this] {
        if (m_reported)
            return;
        m_reported = true;
        emit finished(m_report);
    });
}

} // namespace duplex::bench
