#include "control/benchcommand.h"

#include "control/cluster.h"
#include "util/procstats.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>

namespace duplex::control {

namespace {

const QString kChannel = QStringLiteral("bench");

QString number(double value, int decimals)
{
    return std::isnan(value) ? QStringLiteral("-") : QString::number(value, 'f', decimals);
}

QString transportLabel(const QString &transport)
{
    return transport == QLatin1String("ws") ? QStringLiteral("WebSocket") : QStringLiteral("Comet");
}

} // namespace

BenchCommand::BenchCommand(BenchConfig config, ChartRenderer renderChart, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_renderChart(std::move(renderChart))
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
        for (const int clients : m_config.sizes) {
            for (const QString &transport : m_config.transports)
                m_cells << Cell{transport, clients};
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
    note(QStringLiteral("run %1 of %2: %3 subscribers%4; starting a cluster (2 WebSocket + 2 Comet nodes)")
             .arg(m_cellIndex + 1)
             .arg(m_cells.size())
             .arg(cell.clients)
             .arg(cell.transport.isEmpty() ? QStringLiteral(" per transport") : QStringLiteral(" over ") + transportLabel(cell.transport)));
    ClusterConfig config;
    config.webSocketNodes = 2;
    config.cometNodes = 2;
    config.port = 0;
    config.nginxProgram = m_config.nginxProgram;
    m_cluster = std::make_unique<Cluster>(config);
    connect(m_cluster.get(), &Cluster::started, this, &BenchCommand::handleClusterStarted);
    connect(m_cluster.get(), &Cluster::startFailed, this,
            [this](const QString &reason) { fail(QStringLiteral("the cluster did not start: %1").arg(reason)); });
    connect(m_cluster.get(), &Cluster::failed, this,
            [this](const QString &reason) { fail(QStringLiteral("the cluster failed: %1").arg(reason)); });
    connect(m_cluster.get(), &Cluster::nodeExited, this, [this](const QString &name, const QString &description) {
        fail(QStringLiteral("%1 exited during the run: %2").arg(name, description));
    });
    m_cluster->start();
}

QStringList BenchCommand::loadgenArguments() const
{
    const Cell &cell = m_cells.at(m_cellIndex);
    QStringList args{QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:%1/").arg(m_cluster->port()),
                     QStringLiteral("--channel"), kChannel,
                     QStringLiteral("--clients"), QString::number(cell.clients),
                     QStringLiteral("--spread-sources"),
                     QStringLiteral("--ramp"), QStringLiteral("1000"),
                     QStringLiteral("--connect-timeout"), QStringLiteral("300"),
                     QStringLiteral("--grace"), QStringLiteral("15")};
    if (m_config.kind == BenchConfig::Kind::Thesis) {
        args << QStringLiteral("--transport") << QStringLiteral("ws") << QStringLiteral("--transport") << QStringLiteral("comet")
             << QStringLiteral("--messages") << QString::number(m_config.iterations)
             << QStringLiteral("--rate") << QString::number(1000.0 / m_config.intervalMs)
             << QStringLiteral("--size") << QString::number(m_config.size)
             << QStringLiteral("--csv") << QDir(m_config.outDir).filePath(QStringLiteral("thesis.csv"));
    } else {
        args << QStringLiteral("--transport") << cell.transport
             << QStringLiteral("--rate") << QString::number(m_config.rate)
             << QStringLiteral("--duration") << QString::number(m_config.durationSeconds)
             << QStringLiteral("--size") << QStringLiteral("16");
    }
    return args;
}

void BenchCommand::handleClusterStarted()
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
    m_stdoutBuffer.clear();
    m_stderrBuffer.clear();
    m_lastLoadgenError.clear();
    m_results.append(CellResult{m_cells.at(m_cellIndex), {}, 0, 0, false});
    m_loadgen = new QProcess(this);
    connect(m_loadgen, &QProcess::readyReadStandardOutput, this, &BenchCommand::handleLoadgenOutput);
    connect(m_loadgen, &QProcess::readyReadStandardError, this, &BenchCommand::handleLoadgenError);
    connect(m_loadgen, &QProcess::finished, this, &BenchCommand::handleLoadgenFinished);
    m_loadgen->start(program, loadgenArguments());
}

void BenchCommand::handleLoadgenOutput()
{
    m_stdoutBuffer += m_loadgen->readAllStandardOutput();
    int newline = 0;
    while ((newline = int(m_stdoutBuffer.indexOf('\n'))) >= 0) {
        const QByteArray line = m_stdoutBuffer.left(newline);
        m_stdoutBuffer.remove(0, newline + 1);
        if (line.startsWith("{\"summary\"")) {
            // Sampled now, before the generator's thousands of connections close.
            m_cpuEnd = serverCpu();
            m_results.last().summary = load::parseSummaryJson(line);
        }
    }
}

void BenchCommand::handleLoadgenError()
{
    m_stderrBuffer += m_loadgen->readAllStandardError();
    int newline = 0;
    while ((newline = int(m_stderrBuffer.indexOf('\n'))) >= 0) {
        const QByteArray line = m_stderrBuffer.left(newline);
        m_stderrBuffer.remove(0, newline + 1);
        if (line.startsWith("duplex-loadgen: ")) {
            std::fprintf(stderr, "  %s\n", line.constData());
            m_lastLoadgenError = line;
        }
        // Every subscriber is connected when publishing starts: memory is measured with
        // them all, CPU from here on is the cost of delivering.
        if (line.startsWith("duplex-loadgen: publishing ")) {
            m_rssLoaded = transportRss(m_cells.at(m_cellIndex).transport);
            m_cpuStart = serverCpu();
        }
    }
}

void BenchCommand::handleLoadgenFinished(int exitCode, QProcess::ExitStatus status)
{
    m_loadgen->deleteLater();
    m_loadgen = nullptr;
    if (m_stopping)
        return;
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
    // Every run gets a fresh cluster: no sessions, buffers or memory left over.
    connect(m_cluster.get(), &Cluster::stopped, this, [this] {
        QMetaObject::invokeMethod(this, [this] {
            m_cluster.reset();
            startCell();
        }, Qt::QueuedConnection);
    });
    disconnect(m_cluster.get(), &Cluster::nodeExited, this, nullptr);
    m_cluster->stop();
}

void BenchCommand::finishThesis()
{
    const CellResult &result = m_results.last();
    const QString csvPath = QDir(m_config.outDir).filePath(QStringLiteral("thesis.csv"));
    const QString pngPath = QDir(m_config.outDir).filePath(QStringLiteral("thesis.png"));
    QString error;
    if (!m_renderChart(csvPath, pngPath, &error)) {
        note(error);
        emit finished(1);
        return;
    }
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
                  .arg(transportLabel(s.transport), -10)
                  .arg(QStringLiteral("%1/%2").arg(s.delivered).arg(s.expected), 19)
                  .arg(s.lost, 5)
                  .arg(s.duplicated, 4)
                  .arg(number(t.percentiles.p50Ms, 2), 8)
                  .arg(number(t.percentiles.p99Ms, 2), 8)
                  .arg(number(t.percentiles.maxMs, 2), 8)
                  .arg(number(s.meanInterMessageMs, 3), 25));
    }
    print(QString());
    print(QStringLiteral("per iteration: %1\nchart: %2").arg(csvPath, pngPath));
    emit finished(0);
}

void BenchCommand::finishScale()
{
    print(QStringLiteral("Scale: %1 messages/s of 16 characters for %2 s per run, 2 WebSocket + 2 Comet nodes behind nginx.")
              .arg(m_config.rate).arg(m_config.durationSeconds));
    print(QStringLiteral("Server CPU per delivery: every server process (nodes, broker, static, nginx and its workers), from /proc."));
    print(QString());
    print(QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9")
              .arg(QStringLiteral("transport"), -10)
              .arg(QStringLiteral("subscribers"), 11)
              .arg(QStringLiteral("delivered/expected"), 20)
              .arg(QStringLiteral("lost"), 6)
              .arg(QStringLiteral("delivered/s"), 11)
              .arg(QStringLiteral("p50 ms"), 8)
              .arg(QStringLiteral("p99 ms"), 8)
              .arg(QStringLiteral("KiB/conn"), 9)
              .arg(QStringLiteral("server us/delivery"), 19));
    QJsonArray rows;
    for (const CellResult &result : m_results) {
        if (result.summary.transports.isEmpty())
            continue;
        const load::ParsedTransportSummary &t = result.summary.transports.first();
        const load::TransportSummary &s = t.summary;
        const double perDelivery = s.delivered > 0 ? result.serverCpuMicros / double(s.delivered) : std::nan("");
        print(QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9")
                  .arg(transportLabel(s.transport), -10)
                  .arg(result.cell.clients, 11)
                  .arg(QStringLiteral("%1/%2").arg(s.delivered).arg(s.expected), 20)
                  .arg(s.lost, 6)
                  .arg(number(s.throughputPerSec, 0), 11)
                  .arg(number(t.percentiles.p50Ms, 2), 8)
                  .arg(number(t.percentiles.p99Ms, 2), 8)
                  .arg(number(result.rssPerConnectionBytes / 1024.0, 1), 9)
                  .arg(number(perDelivery, 2), 19));
        rows.append(QJsonObject{{QStringLiteral("transport"), s.transport},
                                {QStringLiteral("subscribers"), result.cell.clients},
                                {QStringLiteral("expected"), s.expected},
                                {QStringLiteral("delivered"), s.delivered},
                                {QStringLiteral("lost"), s.lost},
                                {QStringLiteral("duplicated"), s.duplicated},
                                {QStringLiteral("deliveredPerSecond"), s.throughputPerSec},
                                {QStringLiteral("p50Ms"), t.percentiles.p50Ms},
                                {QStringLiteral("p99Ms"), t.percentiles.p99Ms},
                                {QStringLiteral("rssPerConnectionBytes"), result.rssPerConnectionBytes},
                                {QStringLiteral("serverCpuMicrosPerDelivery"), perDelivery}});
    }
    const QString jsonPath = QDir(m_config.outDir).filePath(QStringLiteral("scale.json"));
    QFile json(jsonPath);
    if (!json.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || json.write(QJsonDocument(QJsonObject{{QStringLiteral("rate"), m_config.rate},
                                                {QStringLiteral("durationSeconds"), m_config.durationSeconds},
                                                {QStringLiteral("rows"), rows}})
                          .toJson()) < 0) {
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
    if (m_loadgen) {
        m_loadgen->disconnect(this);
        m_loadgen->kill();
        m_loadgen->waitForFinished(5000);
    }
    if (!m_cluster) {
        emit finished(1);
        return;
    }
    connect(m_cluster.get(), &Cluster::stopped, this, [this] { emit finished(1); });
    m_cluster->stop();
}

void BenchCommand::handleTermination()
{
    fail(QStringLiteral("interrupted"));
}

QList<qint64> BenchCommand::serverPids() const
{
    QList<qint64> pids;
    if (!m_cluster)
        return pids;
    for (const NodeStatus &node : m_cluster->nodes()) {
        if (node.pid <= 0)
            continue;
        pids << node.pid;
        if (node.role == NodeRole::Nginx)
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
    if (!m_cluster)
        return total;
    for (const NodeStatus &node : m_cluster->nodes()) {
        const bool match = transport.isEmpty() ? (node.role == NodeRole::WebSocket || node.role == NodeRole::Comet)
                                               : (transport == QLatin1String("ws") ? node.role == NodeRole::WebSocket
                                                                                   : node.role == NodeRole::Comet);
        if (match && node.pid > 0)
            total += util::residentBytes(node.pid);
    }
    return total;
}

} // namespace duplex::control
