#include "control/cluster.h"

#include "control/nodestatsreader.h"
#include "util/ids.h"
#include "util/monotonic.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace duplex::control {

namespace {

constexpr int kStopGraceMs = 3000;
constexpr int kNodeBufferDefault = 1000; // duplex-ws-node and duplex-comet-node --buffer

QString binaryFor(util::Role role)
{
    switch (role) {
    case util::Role::Broker:
        return QStringLiteral("duplex-broker");
    case util::Role::WebSocket:
        return QStringLiteral("duplex-ws-node");
    case util::Role::Comet:
        return QStringLiteral("duplex-comet-node");
    case util::Role::Static:
        return QStringLiteral("duplex-static-node");
    case util::Role::Nginx:
        break;
    }
    return {};
}

bool isBalancedNode(util::Role role)
{
    return role == util::Role::WebSocket || role == util::Role::Comet;
}

} // namespace

Cluster::Cluster(ClusterConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_nginx(new NginxFront(m_config.cometBalance, m_config.cometHoldSeconds, this))
    , m_stats(new NodeStatsReader(this))
    , m_statsTimer(new QTimer(this))
{
    if (m_config.binDir.isEmpty())
        m_config.binDir = QCoreApplication::applicationDirPath();
    connect(m_statsTimer, &QTimer::timeout, this, &Cluster::pollStats);
    connect(m_nginx, &NginxFront::probeFailed, this, &Cluster::handleNginxProbeFailed);
}

Cluster::~Cluster() = default;

quint16 Cluster::port() const
{
    return m_nginx->port();
}

QString Cluster::publicUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1/").arg(port());
}

QString Cluster::runtimeDir() const
{
    return m_nginx->runtimeDir();
}

QString Cluster::nginxConfigText() const
{
    return m_nginx->configText();
}

void Cluster::start()
{
    if (m_state != State::Stopped)
        return;
    m_state = State::Starting;
    m_failed = false;
    const QString problem = preflight();
    if (!problem.isEmpty()) {
        // Queued, so a caller that connects after start() still hears it.
        QTimer::singleShot(0, this, [this, problem] { abortStart(problem); });
        return;
    }
    m_secret = util::newSecret();
    emit progress(QStringLiteral("starting the broker"));
    spawn(QStringLiteral("broker"), util::Role::Broker);
}

QString Cluster::preflight()
{
    if (m_config.webSocketNodes < 0 || m_config.cometNodes < 0 || m_config.webSocketNodes + m_config.cometNodes < 1)
        return QStringLiteral("nothing to serve: the cluster needs at least one WebSocket or Comet node");
    QList<util::Role> roles = {util::Role::Broker, util::Role::Static};
    if (m_config.webSocketNodes > 0)
        roles << util::Role::WebSocket;
    if (m_config.cometNodes > 0)
        roles << util::Role::Comet;
    for (util::Role role : roles) {
        const QFileInfo binary(m_config.binDir + QLatin1Char('/') + binaryFor(role));
        if (!binary.isExecutable())
            return QStringLiteral("%1 is not built: no executable %2").arg(binaryFor(role), binary.absoluteFilePath());
    }
    return m_nginx->prepare(m_config.nginxProgram, m_config.port, m_config.runtimeDir);
}

QStringList Cluster::nodeArguments(const QString &name, util::Role role, quint16 port, quint16 adminPort) const
{
    QStringList args = {QStringLiteral("--name"), name,
                        QStringLiteral("--port"), QString::number(port),
                        QStringLiteral("--admin-port"), QString::number(adminPort)};
    if (role == util::Role::Broker)
        args << QStringLiteral("--history") << QString::number(m_config.history);
    if (role == util::Role::Broker && m_config.maxNodeLag > 0)
        args << QStringLiteral("--max-node-lag") << QString::number(m_config.maxNodeLag);
    if (isBalancedNode(role)) {
        args << QStringLiteral("--broker") << QStringLiteral("127.0.0.1:%1").arg(m_brokerPort);
        // A node's buffer is a cache of the broker's history: never larger, so the cluster
        // holds what --history says and a client resuming beyond it gets its `gap`.
        if (m_config.history < kNodeBufferDefault)
            args << QStringLiteral("--buffer") << QString::number(m_config.history);
    }
    if (role == util::Role::Comet)
        args << QStringLiteral("--hold") << QString::number(m_config.cometHoldSeconds);
    if (role == util::Role::Static && !m_config.webRoot.isEmpty())
        args << QStringLiteral("--root") << m_config.webRoot;
    const auto extra = m_config.serverArguments.find(role);
    if (extra != m_config.serverArguments.end())
        args << extra->second;
    return args;
}

process::ChildProcess *Cluster::spawn(const QString &name, util::Role role, quint16 port, quint16 adminPort)
{
    process::ChildSpec spec;
    if (role == util::Role::Nginx) {
        spec = m_nginx->childSpec(name);
    } else {
        spec.name = name;
        spec.program = m_config.binDir + QLatin1Char('/') + binaryFor(role);
        spec.arguments = nodeArguments(name, role, port, adminPort);
    }
    if (role == util::Role::Broker || isBalancedNode(role))
        spec.environment.insert(QString::fromLatin1(util::kSecretEnv), QString::fromLatin1(m_secret));

    auto *child = new process::ChildProcess(spec, this);
    Member &m = m_members[name];
    m.role = role;
    m.child = child;
    m.stats.name = name;
    m.stats.role = role;
    m.stats.port = role == util::Role::Nginx ? m_nginx->port() : port;
    m.stats.adminPort = adminPort;
    connect(child, &process::ChildProcess::ready, this, [this, name] { handleReady(name); });
    connect(child, &process::ChildProcess::startFailed, this, &Cluster::handleStartFailed);
    connect(child, &process::ChildProcess::exited, this, [this, name](bool) { handleExited(name); });
    connect(child, &process::ChildProcess::outputLine, this, &Cluster::outputLine);
    child->start(m_config.readyTimeoutMs);
    return child;
}

void Cluster::startNodes()
{
    emit progress(QStringLiteral("starting %1 WebSocket, %2 Comet and the static node")
                      .arg(m_config.webSocketNodes)
                      .arg(m_config.cometNodes));
    for (int i = 1; i <= m_config.webSocketNodes; ++i)
        spawn(QStringLiteral("ws-%1").arg(i), util::Role::WebSocket);
    for (int i = 1; i <= m_config.cometNodes; ++i)
        spawn(QStringLiteral("comet-%1").arg(i), util::Role::Comet);
    spawn(QStringLiteral("static"), util::Role::Static);
}

void Cluster::startNginx()
{
    QString error;
    if (!m_nginx->writeConfig(upstreams(), &error)) {
        abortStart(error);
        return;
    }
    emit progress(QStringLiteral("starting nginx on port %1").arg(m_nginx->port()));
    m_nginx->probe(spawn(QStringLiteral("nginx"), util::Role::Nginx), m_config.readyTimeoutMs);
}

void Cluster::reloadNginx()
{
    Member *nginx = member(QStringLiteral("nginx"));
    if (!nginx || nginx->child->state() != process::ChildProcess::State::Running)
        return;
    QString error;
    switch (m_nginx->reload(nginx->child->pid(), upstreams(), &error)) {
    case NginxFront::Reload::Done:
        emit nginxReloaded();
        break;
    case NginxFront::Reload::Unchanged:
        break;
    case NginxFront::Reload::Failed:
        emit progress(error);
        break;
    }
}

NginxFront::Upstreams Cluster::upstreams() const
{
    NginxFront::Upstreams upstreams;
    for (const auto &[name, m] : m_members) {
        if (m.removing || m.stats.port == 0)
            continue;
        const nginx::Upstream upstream{QStringLiteral("127.0.0.1"), m.stats.port};
        if (m.role == util::Role::WebSocket)
            upstreams.webSocketNodes << upstream;
        else if (m.role == util::Role::Comet)
            upstreams.cometNodes << upstream;
        else if (m.role == util::Role::Static)
            upstreams.staticNode = upstream;
    }
    return upstreams;
}

void Cluster::handleReady(const QString &name)
{
    Member *m = member(name);
    if (!m)
        return;
    const QJsonObject info = m->child->readyInfo();
    m->startedAtMs = util::monotonicMs();
    m->restartPolicy.markUp(m->startedAtMs);
    m_stats->resetRate(name);
    if (m->role != util::Role::Nginx) {
        m->stats.port = quint16(info.value(QStringLiteral("port")).toInt());
        m->stats.adminPort = quint16(info.value(QStringLiteral("admin")).toInt());
        // A restart comes back on the same ports, so nginx's upstream stays valid.
        m->child->spec().arguments = nodeArguments(name, m->role, m->stats.port, m->stats.adminPort);
    }
    emit nodeStarted(name);

    if (m_state == State::Starting) {
        if (m->role == util::Role::Broker) {
            m_brokerPort = m->stats.port;
            startNodes();
        } else if (m->role == util::Role::Nginx) {
            m_state = State::Running;
            m_statsTimer->start(m_config.statsIntervalMs);
            emit started();
        } else {
            const bool allReady = std::all_of(m_members.cbegin(), m_members.cend(), [](const auto &entry) {
                return entry.second.role == util::Role::Broker
                    || entry.second.child->state() == process::ChildProcess::State::Running;
            });
            if (allReady)
                startNginx();
        }
        return;
    }
    if (m_state == State::Running && m->role != util::Role::Broker && m->role != util::Role::Nginx)
        reloadNginx();
}

void Cluster::handleStartFailed(const QString &reason)
{
    if (m_state == State::Starting)
        abortStart(reason);
    else if (m_state == State::Running)
        emit progress(reason);
}

void Cluster::handleExited(const QString &name)
{
    Member *m = member(name);
    if (!m)
        return;
    if (m_state == State::Stopping) {
        finishStopIfDone();
        return;
    }
    if (m->removing) {
        erase(name);
        return;
    }
    const QString description = m->child->exitDescription();
    const QStringList tail = m->child->stderrTail();
    if (m_state == State::Starting) {
        abortStart(QStringLiteral("%1 exited while the cluster was starting (%2)%3")
                       .arg(name, description, tail.isEmpty() ? QString() : QStringLiteral(": ") + tail.last()));
        return;
    }
    if (m_state != State::Running)
        return;
    if (m->restartRequested) {
        // Asked for: not a failure to report, and no backoff.
        m->restartRequested = false;
        ++m->restarts;
        emit nodeRestarting(name, 0);
        m->child->start(m_config.readyTimeoutMs);
        return;
    }
    emit nodeExited(name, description, tail, std::exchange(m->killRequested, false));
    if (m->role == util::Role::Broker) {
        // Every seq comes from the broker: without it no node can serve, and a new one
        // would number channels from 1 again. Stop rather than break the contract.
        m_failed = true;
        emit failed(QStringLiteral("the broker exited (%1); the cluster stops").arg(description));
        stop();
        return;
    }
    if (!m_config.restart) {
        if (m->role == util::Role::Nginx) {
            m_failed = true;
            emit failed(QStringLiteral("nginx exited (%1); the cluster stops").arg(description));
            stop();
        }
        return;
    }
    restartLater(name);
}

void Cluster::restartLater(const QString &name)
{
    const int delay = member(name)->restartPolicy.delayAfterExit(util::monotonicMs());
    emit nodeRestarting(name, delay);
    QTimer::singleShot(delay, this, [this, name] {
        Member *again = member(name);
        if (m_state != State::Running || !again || again->removing
            || again->child->state() != process::ChildProcess::State::Exited)
            return;
        ++again->restarts;
        again->child->start(m_config.readyTimeoutMs);
        // nginx writes no READY line: it is running once it answers.
        if (again->role == util::Role::Nginx)
            m_nginx->probe(again->child, m_config.readyTimeoutMs);
    });
}

void Cluster::handleNginxProbeFailed(const QString &reason)
{
    if (m_state == State::Starting) {
        abortStart(reason);
        return;
    }
    // A restarted nginx that does not answer is killed; its exit brings the next restart.
    emit progress(reason);
    if (Member *nginx = member(QStringLiteral("nginx")))
        nginx->child->kill();
}

bool Cluster::addNode(util::Role role, QString *error)
{
    if (m_state != State::Running) {
        *error = QStringLiteral("the cluster is not running");
        return false;
    }
    if (!isBalancedNode(role)) {
        *error = QStringLiteral("only WebSocket and Comet nodes can be added");
        return false;
    }
    const QFileInfo binary(m_config.binDir + QLatin1Char('/') + binaryFor(role));
    if (!binary.isExecutable()) {
        *error = QStringLiteral("%1 is not built: no executable %2").arg(binaryFor(role), binary.absoluteFilePath());
        return false;
    }
    spawn(nextName(role), role);
    return true;
}

bool Cluster::removeNode(const QString &name, QString *error)
{
    Member *m = member(name);
    if (!m || !isBalancedNode(m->role)) {
        *error = QStringLiteral("no WebSocket or Comet node named %1").arg(name);
        return false;
    }
    const int sameKind = int(std::count_if(m_members.cbegin(), m_members.cend(), [](const auto &entry) {
        return isBalancedNode(entry.second.role) && !entry.second.removing;
    }));
    if (sameKind <= 1) {
        *error = QStringLiteral("%1 is the last node: stop the cluster instead").arg(name);
        return false;
    }
    // nginx first stops sending new clients there; then the node goes, and its clients
    // reconnect through nginx to the others and resume with `since`.
    m->removing = true;
    reloadNginx();
    if (m->child->state() == process::ChildProcess::State::Exited) {
        erase(name);
    } else {
        m->child->stop(kStopGraceMs);
    }
    return true;
}

bool Cluster::restartNode(const QString &name, QString *error)
{
    Member *m = member(name);
    if (m_state != State::Running || !m || m->removing || !isBalancedNode(m->role)) {
        *error = QStringLiteral("no WebSocket or Comet node named %1 in a running cluster").arg(name);
        return false;
    }
    const process::ChildProcess::State state = m->child->state();
    if (state == process::ChildProcess::State::Exited) {
        ++m->restarts;
        emit nodeRestarting(name, 0);
        m->child->start(m_config.readyTimeoutMs);
        return true;
    }
    if (state != process::ChildProcess::State::Running) {
        *error = QStringLiteral("%1 is %2; try again once it runs").arg(name, process::stateName(state));
        return false;
    }
    m->restartRequested = true;
    m->child->stop(kStopGraceMs);
    return true;
}

bool Cluster::killNode(const QString &name, QString *error)
{
    Member *m = member(name);
    if (!m || m->child->state() != process::ChildProcess::State::Running) {
        *error = QStringLiteral("no running process named %1").arg(name);
        return false;
    }
    m->killRequested = true;
    m->child->kill();
    return true;
}

void Cluster::abortStart(const QString &reason)
{
    if (m_failed)
        return;
    m_failed = true;
    emit startFailed(reason);
    if (m_state == State::Starting)
        m_state = State::Running; // so that stop() runs its full path
    stop();
}

void Cluster::stop()
{
    if (m_state == State::Stopped || m_state == State::Stopping)
        return;
    m_state = State::Stopping;
    m_statsTimer->stop();
    emit progress(QStringLiteral("stopping"));
    for (auto &entry : m_members)
        entry.second.child->stop(kStopGraceMs);
    // Queued: stopped() always comes after stop() returns, whether or not anything ran.
    QTimer::singleShot(0, this, &Cluster::finishStopIfDone);
}

void Cluster::finishStopIfDone()
{
    if (m_state != State::Stopping)
        return;
    const bool anyRunning = std::any_of(m_members.cbegin(), m_members.cend(), [](const auto &entry) {
        const process::ChildProcess::State s = entry.second.child->state();
        return s != process::ChildProcess::State::Exited && s != process::ChildProcess::State::Idle;
    });
    if (anyRunning)
        return;
    for (auto &entry : m_members)
        entry.second.child->deleteLater();
    m_members.clear();
    m_stats->clear();
    m_nginx->release();
    m_state = State::Stopped;
    emit stopped();
}

QList<NodeStatus> Cluster::nodes() const
{
    QList<NodeStatus> list;
    const qint64 now = util::monotonicMs();
    for (const auto &[name, m] : m_members) {
        NodeStatus s = m.stats;
        const NodeStatsReader::Figures figures = m_stats->figures(name);
        s.connections = figures.connections;
        s.eventsPerSecond = figures.eventsPerSecond;
        s.residentBytes = figures.residentBytes;
        s.cpuSeconds = figures.cpuSeconds;
        s.state = m.child->state();
        s.pid = s.state == process::ChildProcess::State::Exited ? 0 : m.child->pid();
        s.restarts = m.restarts;
        s.uptimeMs = s.state == process::ChildProcess::State::Running ? now - m.startedAtMs : 0;
        list << s;
    }
    return list;
}

void Cluster::pollStats()
{
    for (const auto &[name, m] : m_members) {
        if (m.child->state() == process::ChildProcess::State::Running)
            m_stats->read(name, m.child->pid(), m.stats.adminPort, m_config.statsIntervalMs);
        else
            m_stats->markIdle(name);
    }
    emit statsUpdated(nodes());
}

QString Cluster::nextName(util::Role role) const
{
    for (int i = 1;; ++i) {
        const QString name = QStringLiteral("%1-%2").arg(util::roleName(role)).arg(i);
        if (m_members.find(name) == m_members.end())
            return name;
    }
}

Cluster::Member *Cluster::member(const QString &name)
{
    auto it = m_members.find(name);
    return it == m_members.end() ? nullptr : &it->second;
}

void Cluster::erase(const QString &name)
{
    m_stats->forget(name);
    m_members.at(name).child->deleteLater();
    m_members.erase(name);
}

} // namespace duplex::control
