#include "bench/benchcommand.h"

#include "control/cluster.h"
#include "peer/nchanserver.h"
#include "process/linereader.h"
#include "process/spawn.h"
#include "protocol/transport.h"
#include "util/procstats.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <csignal>
#include <cstdio>

namespace duplex::control {

namespace {

const QString kChannel = QStringLiteral("bench");

QString number(double value, int decimals)
{
    return std::isnan(value) ? QStringLiteral("-") : QString::number(value, 'f', decimals);
}

// nginx workers of the nchan peer: two, as a Duplex cluster has two nodes per transport.
constexpr int kNchanWorkers = 2;

// One scale row's figures, as printed and written to scale.json.
struct ScaleRow
{
    bool valid = false;
    QString transport;
    int subscribers = 0;
    qint64 expected = 0;
    qint64 delivered = 0;
    qint64 lost = 0;
    qint64 duplicated = 0;
    double perSecond = std::nan("");
    double p50Ms = std::nan("");
    double p99Ms = std::nan("");
    double rssPerConnectionBytes = std::nan("");
    double cpuMicrosPerDelivery = std::nan("");
};

ScaleRow scaleRow(const load::SummaryParse &summary, int subscribers, double serverCpuMicros, double rssPerConnectionBytes)
{
    ScaleRow row;
    if (summary.transports.isEmpty())
        return row;
    const load::ParsedTransportSummary &t = summary.transports.first();
    const load::TransportSummary &s = t.summary;
    row.valid = true;
    row.transport = s.transport;
    row.subscribers = subscribers;
    row.expected = s.expected;
    row.delivered = s.delivered;
    row.lost = s.lost;
    row.duplicated = s.duplicated;
    row.perSecond = s.throughputPerSec;
    row.p50Ms = t.percentiles.p50Ms;
    row.p99Ms = t.percentiles.p99Ms;
    row.rssPerConnectionBytes = rssPerConnectionBytes;
    row.cpuMicrosPerDelivery = s.delivered > 0 ? serverCpuMicros / double(s.delivered) : std::nan("");
    return row;
}

QString scaleHeader()
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9")
        .arg(QStringLiteral("transport"), -10)
        .arg(QStringLiteral("subscribers"), 11)
        .arg(QStringLiteral("delivered/expected"), 20)
        .arg(QStringLiteral("lost"), 6)
        .arg(QStringLiteral("delivered/s"), 11)
        .arg(QStringLiteral("p50 ms"), 8)
        .arg(QStringLiteral("p99 ms"), 8)
        .arg(QStringLiteral("KiB/conn"), 9)
        .arg(QStringLiteral("server us/delivery"), 19);
}

QString scaleLine(const ScaleRow &row)
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9")
        .arg(protocol::transportLabel(row.transport), -10)
        .arg(row.subscribers, 11)
        .arg(QStringLiteral("%1/%2").arg(row.delivered).arg(row.expected), 20)
        .arg(row.lost, 6)
        .arg(number(row.perSecond, 0), 11)
        .arg(number(row.p50Ms, 2), 8)
        .arg(number(row.p99Ms, 2), 8)
        .arg(number(row.rssPerConnectionBytes / 1024.0, 1), 9)
        .arg(number(row.cpuMicrosPerDelivery, 2), 19);
}

QJsonObject scaleJson(const ScaleRow &row)
{
    return QJsonObject{{QStringLiteral("transport"), row.transport},
                       {QStringLiteral("subscribers"), row.subscribers},
                       {QStringLiteral("expected"), row.expected},
                       {QStringLiteral("delivered"), row.delivered},
                       {QStringLiteral("lost"), row.lost},
                       {QStringLiteral("duplicated"), row.duplicated},
                       {QStringLiteral("deliveredPerSecond"), row.perSecond},
                       {QStringLiteral("p50Ms"), row.p50Ms},
                       {QStringLiteral("p99Ms"), row.p99Ms},
                       {QStringLiteral("rssPerConnectionBytes"), row.rssPerConnectionBytes},
                       {QStringLiteral("serverCpuMicrosPerDelivery"), row.cpuMicrosPerDelivery}};
}

// Duplex over the peer; NaN when either is unknown or the peer's figure is 0.
double ratio(double duplex, double peer)
{
    return std::isfinite(duplex) && std::isfinite(peer) && peer != 0 ? duplex / peer : std::nan("");
}

QString ratioHeader()
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
        .arg(QStringLiteral("transport"), -10)
        .arg(QStringLiteral("subscribers"), 11)
        .arg(QStringLiteral("delivered/s"), 11)
        .arg(QStringLiteral("p50"), 8)
        .arg(QStringLiteral("p99"), 8)
        .arg(QStringLiteral("KiB/conn"), 9)
        .arg(QStringLiteral("server us/delivery"), 19);
}

QJsonObject ratioJson(const ScaleRow &duplex, const ScaleRow &peer)
{
    return QJsonObject{{QStringLiteral("deliveredPerSecond"), ratio(duplex.perSecond, peer.perSecond)},
                       {QStringLiteral("p50Ms"), ratio(duplex.p50Ms, peer.p50Ms)},
                       {QStringLiteral("p99Ms"), ratio(duplex.p99Ms, peer.p99Ms)},
                       {QStringLiteral("rssPerConnectionBytes"), ratio(duplex.rssPerConnectionBytes, peer.rssPerConnectionBytes)},
                       {QStringLiteral("serverCpuMicrosPerDelivery"), ratio(duplex.cpuMicrosPerDelivery, peer.cpuMicrosPerDelivery)}};
}

QString ratioLine(const ScaleRow &duplex, const ScaleRow &peer)
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
        .arg(protocol::transportLabel(duplex.transport), -10)
        .arg(duplex.subscribers, 11)
        .arg(number(ratio(duplex.perSecond, peer.perSecond), 2), 11)
        .arg(number(ratio(duplex.p50Ms, peer.p50Ms), 2), 8)
        .arg(number(ratio(duplex.p99Ms, peer.p99Ms), 2), 8)
        .arg(number(ratio(duplex.rssPerConnectionBytes, peer.rssPerConnectionBytes), 2), 9)
        .arg(number(ratio(duplex.cpuMicrosPerDelivery, peer.cpuMicrosPerDelivery), 2), 19);
}

} // namespace

BenchCommand::BenchCommand(BenchConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
}

BenchCommand::~BenchCommand() = default;

void BenchCommand::print(const QString &line)
{
    std::fprintf(stdout, "%s\n", qPrintable(line));
    std::fflush(stdout);
}

void BenchCommand::note(const QString &line)
{
    std::fprintf(stderr, "duplexctl bench: %s\n", qPrintable(line));
}

void BenchCommand::run()
{
    if (!QDir().mkpath(m_config.outDir)) {
        note(QStringLiteral("cannot create the output directory %1").arg(m_config.outDir));
        QMetaObject::invokeMethod(this, [this] { emit finished(1); }, Qt::QueuedConnection);
        return;
    }
    if (m_config.kind == BenchConfig::Kind::Thesis) {
        m_cells << Cell{QString(), m_config.clients};
    } else {
        // Each peer cell right after its Duplex cell, so both see the machine alike.
        for (const int clients : m_config.sizes) {
            for (const QString &transport : m_config.transports) {
                m_cells << Cell{transport, clients, false};
                if (!m_config.peer.isEmpty())
                    m_cells << Cell{transport, clients, true};
            }
        }
    }
    startCell();
}

void BenchCommand::startCell()
{
    if (m_stopping)
        return;
    ++m_cellIndex;
    if (m_cellIndex >= m_cells.size()) {
        if (m_config.kind == BenchConfig::Kind::Thesis)
            finishThesis();
        else
            finishScale();
        return;
    }
    const Cell &cell = m_cells.at(m_cellIndex);
    note(QStringLiteral("run %1 of %2: %3 subscribers%4; starting %5")
             .arg(m_cellIndex + 1)
             .arg(m_cells.size())
             .arg(cell.clients)
             .arg(cell.transport.isEmpty() ? QStringLiteral(" per transport") : QStringLiteral(" over ") + protocol::transportLabel(cell.transport))
             .arg(cell.nchan ? QStringLiteral("nchan (nginx with libnginx-mod-nchan, %1 workers)").arg(kNchanWorkers)
                             : QStringLiteral("a cluster (2 WebSocket + 2 Comet nodes)")));
    if (cell.nchan)
        startNchan();
    else
        startCluster();
}

void BenchCommand::startCluster()
{
    ClusterConfig config;
    config.webSocketNodes = 2;
    config.cometNodes = 2;
    config.port = 0;
    config.nginxProgram = m_config.nginxProgram;
    m_cluster = std::make_unique<Cluster>(config);
    connect(m_cluster.get(), &Cluster::started, this, &BenchCommand::handleServerStarted);
    connect(m_cluster.get(), &Cluster::startFailed, this,
            [this](const QString &reason) { fail(QStringLiteral("the cluster did not start: %1").arg(reason)); });
    connect(m_cluster.get(), &Cluster::failed, this,
            [this](const QString &reason) { fail(QStringLiteral("the cluster failed: %1").arg(reason)); });
    connect(m_cluster.get(), &Cluster::nodeExited, this, [this](const QString &name, const QString &description) {
        fail(QStringLiteral("%1 exited during the run: %2").arg(name, description));
    });
    m_cluster->start();
}

void BenchCommand::startNchan()
{
    peer::NchanServer::Options options;
    options.port = 0;
    options.workers = kNchanWorkers;
    options.nginxProgram = m_config.nginxProgram;
    m_nchan = std::make_unique<peer::NchanServer>(options);
    connect(m_nchan.get(), &peer::NchanServer::started, this, &BenchCommand::handleServerStarted);
    connect(m_nchan.get(), &peer::NchanServer::startFailed, this,
            [this](const QString &reason) { fail(QStringLiteral("nchan did not start: %1").arg(reason)); });
    connect(m_nchan.get(), &peer::NchanServer::failed, this,
            [this](const QString &reason) { fail(QStringLiteral("nchan failed: %1").arg(reason)); });
    m_nchan->start();
}

QStringList BenchCommand::loadgenArguments() const
{
    const Cell &cell = m_cells.at(m_cellIndex);
    const quint16 port = cell.nchan ? m_nchan->port() : m_cluster->port();
    QStringList args{QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:%1/").arg(port),
                     QStringLiteral("--channel"), kChannel,
                     QStringLiteral("--clients"), QString::number(cell.clients),
                     QStringLiteral("--spread-sources"),
                     QStringLiteral("--ramp"), QStringLiteral("1000"),
                     QStringLiteral("--connect-timeout"), QStringLiteral("300"),
                     QStringLiteral("--grace"), QStringLiteral("15")};
    if (m_config.kind == BenchConfig::Kind::Thesis) {
        args << QStringLiteral("--transport") << protocol::transportName(protocol::Transport::WebSocket)
             << QStringLiteral("--transport") << protocol::transportName(protocol::Transport::Comet)
             << QStringLiteral("--messages") << QString::number(m_config.iterations)
             << QStringLiteral("--rate") << QString::number(1000.0 / m_config.intervalMs)
             << QStringLiteral("--size") << QString::number(m_config.size)
             << QStringLiteral("--csv") << QDir(m_config.outDir).filePath(QStringLiteral("thesis.csv"));
    } else {
        args << QStringLiteral("--transport") << cell.transport
             << QStringLiteral("--rate") << QString::number(m_config.rate)
             << QStringLiteral("--duration") << QString::number(m_config.durationSeconds)
             << QStringLiteral("--size") << QStringLiteral("16");
        // Messages only, as nchan (which has no presence) delivers: with join events on,
        // n subscribers connecting cost n^2/2 deliveries before the first message (12.5
        // million at 5000), which is a different measurement.
        if (cell.nchan)
            args << QStringLiteral("--protocol") << QStringLiteral("nchan");
        else
            args << QStringLiteral("--no-presence");
    }
    return args;
}

void BenchCommand::handleServerStarted()
{
    const QString program = QCoreApplication::applicationDirPath() + QStringLiteral("/duplex-loadgen");
    if (!QFileInfo(program).isExecutable()) {
        fail(QStringLiteral("%1 is not built").arg(program));
        return;
    }
    m_rssBaseline = transportRss(m_cells.at(m_cellIndex).transport);
    m_rssLoaded = 0;
    m_cpuStart = -1;
    m_cpuEnd = -1;
    m_lastLoadgenError.clear();
    m_results.append(CellResult{m_cells.at(m_cellIndex), {}, 0, 0, false});
    m_loadgen = new QProcess(this);
    auto *lines = new process::LineReader(m_loadgen);
    connect(lines, &process::LineReader::lineRead, this, [this](QProcess::ProcessChannel channel, const QByteArray &line) {
        if (channel == QProcess::StandardOutput)
            handleLoadgenOutput(line);
        else
            handleLoadgenError(line);
    });
    connect(lines, &process::LineReader::finished, this, &BenchCommand::handleLoadgenFinished);
    process::startInOwnGroup(m_loadgen, program, loadgenArguments());
}

void BenchCommand::handleLoadgenOutput(const QByteArray &line)
{
    if (line.startsWith("{\"summary\"")) {
        // Sampled now, before the generator's thousands of connections close.
        m_cpuEnd = serverCpu();
        m_results.last().summary = load::parseSummaryJson(line);
    }
}

void BenchCommand::handleLoadgenError(const QByteArray &line)
{
    if (line.startsWith("duplex-loadgen: ")) {
        std::fprintf(stderr, "  %s\n", line.constData());
        m_lastLoadgenError = line;
    }
    // Every subscriber is connected when publishing starts: memory is measured with them
    // all, CPU from here on is the cost of delivering.
    if (line.startsWith("duplex-loadgen: publishing ")) {
        m_rssLoaded = transportRss(m_cells.at(m_cellIndex).transport);
        m_cpuStart = serverCpu();
    }
}

void BenchCommand::handleLoadgenFinished(int exitCode, QProcess::ExitStatus status)
{
    m_loadgen->deleteLater();
    m_loadgen = nullptr;
    if (m_stopping) {
        // fail() killed it: now the server goes.
        stopServer([this] { emit finished(1); });
        return;
    }
    CellResult &result = m_results.last();
    if (status != QProcess::NormalExit || exitCode != 0 || result.summary.status != load::SummaryParse::Status::Ok) {
        fail(QStringLiteral("duplex-loadgen failed (exit %1): %2").arg(exitCode).arg(QString::fromUtf8(m_lastLoadgenError)));
        return;
    }
    const Cell &cell = result.cell;
    const int connections = cell.clients * (cell.transport.isEmpty() ? 2 : 1);
    result.serverCpuMicros = m_cpuStart >= 0 && m_cpuEnd >= 0 ? double(m_cpuEnd - m_cpuStart) : std::nan("");
    result.rssPerConnectionBytes = m_rssLoaded > 0 ? double(m_rssLoaded - m_rssBaseline) / connections : std::nan("");
    result.ok = true;
    finishCell();
}

void BenchCommand::finishCell()
{
    // Every run gets a fresh server: no sessions, buffers or memory left over.
    stopServer([this] { startCell(); });
}

void BenchCommand::stopServer(std::function<void()> then)
{
    auto gone = [this, then = std::move(then)] {
        // Destroyed from the event loop, not inside the signal that said it stopped.
        QMetaObject::invokeMethod(this, [this, then] {
            m_cluster.reset();
            m_nchan.reset();
            then();
        }, Qt::QueuedConnection);
    };
    if (m_cluster) {
        // What it reports while stopping is no longer a failure of the run.
        disconnect(m_cluster.get(), nullptr, this, nullptr);
        connect(m_cluster.get(), &Cluster::stopped, this, gone);
        m_cluster->stop();
    } else if (m_nchan && m_nchan->state() != peer::NchanServer::State::Stopped) {
        disconnect(m_nchan.get(), nullptr, this, nullptr);
        connect(m_nchan.get(), &peer::NchanServer::stopped, this, gone);
        m_nchan->stop();
    } else {
        // Nothing up (or nchan already stopped, after startFailed or failed): stop() would
        // say nothing.
        gone();
    }
}

void BenchCommand::finishThesis()
{
    const QString csvPath = QDir(m_config.outDir).filePath(QStringLiteral("thesis.csv"));
    const QString pngPath = QDir(m_config.outDir).filePath(QStringLiteral("thesis.png"));
    const QString program = QCoreApplication::applicationDirPath() + QStringLiteral("/duplex-chart");
    if (!QFileInfo(program).isExecutable()) {
        reportThesis(csvPath, QStringLiteral("not drawn: this build has no GUI (%1 is missing); "
                                             "where the GUI is built: duplex-chart %2 %3")
                                  .arg(program, csvPath, pngPath));
        return;
    }
    m_chart = new QProcess(this);
    m_chart->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_chart, &QProcess::finished, this, [this, csvPath, pngPath](int exitCode, QProcess::ExitStatus status) {
        const QString output = QString::fromLocal8Bit(m_chart->readAll()).trimmed();
        if (status != QProcess::NormalExit || exitCode != 0) {
            note(output.isEmpty() ? QStringLiteral("duplex-chart failed (exit %1)").arg(exitCode) : output);
            emit finished(1);
            return;
        }
        reportThesis(csvPath, pngPath);
    });
    connect(m_chart, &QProcess::errorOccurred, this, [this, program](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        note(QStringLiteral("cannot run %1: %2").arg(program, m_chart->errorString()));
        emit finished(1);
    });
    process::startInOwnGroup(m_chart, program, {csvPath, pngPath});
}

void BenchCommand::reportThesis(const QString &csvPath, const QString &chart)
{
    const CellResult &result = m_results.last();
    print(QStringLiteral("Thesis experiment: %1 subscribers per transport, %2 messages of %3 characters %4 ms apart,\n"
                         "2 WebSocket + 2 Comet nodes behind nginx (Comet clients spread over 16 source addresses).")
              .arg(m_config.clients).arg(m_config.iterations).arg(m_config.size).arg(m_config.intervalMs));
    print(QString());
    print(QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8")
              .arg(QStringLiteral("transport"), -10)
              .arg(QStringLiteral("delivered/expected"), 19)
              .arg(QStringLiteral("lost"), 5)
              .arg(QStringLiteral("dup"), 4)
              .arg(QStringLiteral("p50 ms"), 8)
              .arg(QStringLiteral("p99 ms"), 8)
              .arg(QStringLiteral("max ms"), 8)
              .arg(QStringLiteral("mean between messages ms"), 25));
    for (const auto &t : result.summary.transports) {
        const load::TransportSummary &s = t.summary;
        print(QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8")
                  .arg(protocol::transportLabel(s.transport), -10)
                  .arg(QStringLiteral("%1/%2").arg(s.delivered).arg(s.expected), 19)
                  .arg(s.lost, 5)
                  .arg(s.duplicated, 4)
                  .arg(number(t.percentiles.p50Ms, 2), 8)
                  .arg(number(t.percentiles.p99Ms, 2), 8)
                  .arg(number(t.percentiles.maxMs, 2), 8)
                  .arg(number(s.meanInterMessageMs, 3), 25));
    }
    print(QString());
    print(QStringLiteral("per iteration: %1\nchart: %2").arg(csvPath, chart));
    emit finished(0);
}

void BenchCommand::finishScale()
{
    // The Duplex rows, each with its peer row when there is one (the cell after it).
    QList<ScaleRow> duplexRows;
    QList<ScaleRow> peerRows;
    for (const CellResult &result : m_results) {
        const ScaleRow row = scaleRow(result.summary, result.cell.clients, result.serverCpuMicros, result.rssPerConnectionBytes);
        if (!row.valid)
            continue;
        (result.cell.nchan ? peerRows : duplexRows) << row;
    }
    const bool withPeer = !m_config.peer.isEmpty() && peerRows.size() == duplexRows.size();

    print(QStringLiteral("Scale: %1 messages/s of 16 characters for %2 s per run, 2 WebSocket + 2 Comet nodes behind nginx.")
              .arg(m_config.rate).arg(m_config.durationSeconds));
    print(QStringLiteral("Server CPU per delivery: every server process (nodes, broker, static, nginx and its workers), from /proc."));
    print(QString());
    print(scaleHeader());
    QJsonArray rows;
    for (int i = 0; i < duplexRows.size(); ++i) {
        print(scaleLine(duplexRows.at(i)));
        QJsonObject row = scaleJson(duplexRows.at(i));
        if (withPeer) {
            row.insert(QStringLiteral("peer"), scaleJson(peerRows.at(i)));
            row.insert(QStringLiteral("ratio"), ratioJson(duplexRows.at(i), peerRows.at(i)));
        }
        rows.append(row);
    }
    if (withPeer) {
        print(QString());
        print(QStringLiteral("nchan (Debian's libnginx-mod-nchan, nginx with %1 workers), the same runs: WebSocket against its WebSocket")
                  .arg(kNchanWorkers));
        print(QStringLiteral("subscriber, Comet against its long-poll one; server CPU of the master and workers, memory of the workers."));
        print(QString());
        print(scaleHeader());
        for (const ScaleRow &row : peerRows)
            print(scaleLine(row));
        print(QString());
        print(QStringLiteral("Duplex/nchan (delivered/s: above 1 is better for Duplex; the others: below 1 is)."));
        print(QString());
        print(ratioHeader());
        for (int i = 0; i < duplexRows.size(); ++i)
            print(ratioLine(duplexRows.at(i), peerRows.at(i)));
    }
    QJsonObject document{{QStringLiteral("rate"), m_config.rate},
                         {QStringLiteral("durationSeconds"), m_config.durationSeconds},
                         {QStringLiteral("rows"), rows}};
    if (withPeer)
        document.insert(QStringLiteral("peer"), m_config.peer);
    const QString jsonPath = QDir(m_config.outDir).filePath(QStringLiteral("scale.json"));
    QFile json(jsonPath);
    if (!json.open(QIODevice::WriteOnly | QIODevice::Truncate) || json.write(QJsonDocument(document).toJson()) < 0) {
        note(QStringLiteral("cannot write %1: %2").arg(jsonPath, json.errorString()));
        emit finished(1);
        return;
    }
    print(QString());
    print(QStringLiteral("rows: %1").arg(jsonPath));
    emit finished(0);
}

void BenchCommand::fail(const QString &reason)
{
    if (m_stopping)
        return;
    m_stopping = true;
    note(reason);
    if (m_loadgen && m_loadgen->state() != QProcess::NotRunning) {
        // The generator and its workers (its process group); the server is stopped once it
        // has exited (handleLoadgenFinished), without blocking the event loop meanwhile.
        ::kill(-pid_t(m_loadgen->processId()), SIGKILL);
        return;
    }
    stopServer([this] { emit finished(1); });
}

void BenchCommand::handleTermination()
{
    fail(QStringLiteral("interrupted"));
}

QList<qint64> BenchCommand::serverPids() const
{
    QList<qint64> pids;
    if (m_nchan)
        return m_nchan->pids();
    if (!m_cluster)
        return pids;
    for (const NodeStatus &node : m_cluster->nodes()) {
        if (node.pid <= 0)
            continue;
        pids << node.pid;
        if (node.role == util::Role::Nginx)
            pids << util::childProcesses(node.pid);
    }
    return pids;
}

qint64 BenchCommand::serverCpu() const
{
    qint64 total = 0;
    for (const qint64 pid : serverPids())
        total += std::max<qint64>(0, util::cpuTimeMicros(pid));
    return total;
}

qint64 BenchCommand::transportRss(const QString &transport) const
{
    qint64 total = 0;
    if (m_nchan) {
        // nchan's connections and messages live in the workers; the master only supervises.
        const qint64 master = m_nchan->masterPid();
        for (const qint64 pid : m_nchan->pids()) {
            if (pid != master)
                total += util::residentBytes(pid);
        }
        return total;
    }
    if (!m_cluster)
        return total;
    for (const NodeStatus &node : m_cluster->nodes()) {
        const bool match = transport.isEmpty() ? (node.role == util::Role::WebSocket || node.role == util::Role::Comet)
                                               : (transport == protocol::transportName(protocol::Transport::WebSocket) ? node.role == util::Role::WebSocket
                                                                                   : node.role == util::Role::Comet);
        if (match && node.pid > 0)
            total += util::residentBytes(node.pid);
    }
    return total;
}

} // namespace duplex::control
