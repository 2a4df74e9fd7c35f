#include "bench/benchcommand.h"

#include "load/figure.h"
#include "load/table.h"
#include "process/spawn.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTimer>

#include <csignal>

namespace duplex::bench {

namespace {

const QString kChannel = QStringLiteral("bench");

// A run's load, as both experiments drive it: every subscriber through nginx, Comet ones
// spread over source addresses (ip_hash), connected at a pace the nodes take without
// refusing, with time for the largest counts to connect and the last deliveries to land.
loadgen::LoadOptions baseLoad()
{
    loadgen::LoadOptions load;
    load.channel = kChannel;
    load.spreadSources = true;
    load.rampPerSecond = 1000;
    load.connectTimeoutSeconds = 300;
    load.graceSeconds = 15;
    return load;
}

// One scale row's figures: the run's first (only) transport.
struct ScaleRow
{
    protocol::Transport transport = protocol::Transport::WebSocket;
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

ScaleRow scaleRow(const BenchReport &report, int subscribers)
{
    ScaleRow row;
    row.subscribers = subscribers;
    if (report.transports.isEmpty())
        return row;
    const BenchReport::Transport &t = report.transports.first();
    const load::TransportSummary &s = t.summary;
    const load::LatencyPercentiles p = load::percentilesOf(s.latency);
    row.transport = s.transport;
    row.expected = s.expected;
    row.delivered = s.delivered;
    row.lost = s.lost;
    row.duplicated = s.duplicated;
    row.perSecond = s.throughputPerSec;
    row.p50Ms = p.p50Ms;
    row.p99Ms = p.p99Ms;
    row.rssPerConnectionBytes = t.nodeRssPerClientKiB * 1024.0;
    row.cpuMicrosPerDelivery = report.serverCpuPerDeliveryUs;
    return row;
}

load::Table scaleTable(const QList<ScaleRow> &rows)
{
    load::Table table({{QStringLiteral("transport"), load::Table::Align::Left}, {QStringLiteral("subscribers")},
                 {QStringLiteral("delivered / expected")}, {QStringLiteral("lost")}, {QStringLiteral("delivered/s")},
                 {QStringLiteral("p50 ms")}, {QStringLiteral("p99 ms")}, {QStringLiteral("KiB/conn")},
                 {QStringLiteral("server us/delivery")}});
    for (const ScaleRow &row : rows) {
        table.addRow({protocol::transportLabel(row.transport), QString::number(row.subscribers),
                      QStringLiteral("%1 / %2").arg(row.delivered).arg(row.expected), QString::number(row.lost),
                      load::figure(row.perSecond, 0), load::figure(row.p50Ms, 2), load::figure(row.p99Ms, 2),
                      load::figure(row.rssPerConnectionBytes / 1024.0, 1), load::figure(row.cpuMicrosPerDelivery, 2)});
    }
    return table;
}

load::Table ratioTable(const QList<ScaleRow> &duplex, const QList<ScaleRow> &peer)
{
    load::Table table({{QStringLiteral("transport"), load::Table::Align::Left}, {QStringLiteral("subscribers")},
                 {QStringLiteral("delivered/s")}, {QStringLiteral("p50")}, {QStringLiteral("p99")},
                 {QStringLiteral("KiB/conn")}, {QStringLiteral("server us/delivery")}});
    for (qsizetype i = 0; i < duplex.size(); ++i) {
        const ScaleRow &d = duplex.at(i);
        const ScaleRow &p = peer.at(i);
        table.addRow({protocol::transportLabel(d.transport), QString::number(d.subscribers),
                      load::figure(load::ratio(d.perSecond, p.perSecond), 2), load::figure(load::ratio(d.p50Ms, p.p50Ms), 2),
                      load::figure(load::ratio(d.p99Ms, p.p99Ms), 2), load::figure(load::ratio(d.rssPerConnectionBytes, p.rssPerConnectionBytes), 2),
                      load::figure(load::ratio(d.cpuMicrosPerDelivery, p.cpuMicrosPerDelivery), 2)});
    }
    return table;
}

QJsonObject scaleJson(const ScaleRow &row)
{
    return QJsonObject{{QStringLiteral("transport"), protocol::transportName(row.transport)},
                       {QStringLiteral("subscribers"), row.subscribers},
                       {QStringLiteral("expected"), row.expected},
                       {QStringLiteral("delivered"), row.delivered},
                       {QStringLiteral("lost"), row.lost},
                       {QStringLiteral("duplicated"), row.duplicated},
                       {QStringLiteral("deliveredPerSecond"), load::jsonFigure(row.perSecond)},
                       {QStringLiteral("p50Ms"), load::jsonFigure(row.p50Ms)},
                       {QStringLiteral("p99Ms"), load::jsonFigure(row.p99Ms)},
                       {QStringLiteral("rssPerConnectionBytes"), load::jsonFigure(row.rssPerConnectionBytes)},
                       {QStringLiteral("serverCpuMicrosPerDelivery"), load::jsonFigure(row.cpuMicrosPerDelivery)}};
}

QJsonObject ratioJson(const ScaleRow &duplex, const ScaleRow &peer)
{
    return QJsonObject{{QStringLiteral("deliveredPerSecond"), load::jsonFigure(load::ratio(duplex.perSecond, peer.perSecond))},
                       {QStringLiteral("p50Ms"), load::jsonFigure(load::ratio(duplex.p50Ms, peer.p50Ms))},
                       {QStringLiteral("p99Ms"), load::jsonFigure(load::ratio(duplex.p99Ms, peer.p99Ms))},
                       {QStringLiteral("rssPerConnectionBytes"), load::jsonFigure(load::ratio(duplex.rssPerConnectionBytes, peer.rssPerConnectionBytes))},
                       {QStringLiteral("serverCpuMicrosPerDelivery"), load::jsonFigure(load::ratio(duplex.cpuMicrosPerDelivery, peer.cpuMicrosPerDelivery))}};
}

} // namespace

BenchCommand::BenchCommand(BenchConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
}

BenchCommand::~BenchCommand() = default;

QString BenchCommand::outPath(const QString &name) const
{
    return QDir(m_config.outDir).filePath(name);
}

QList<BenchCommand::Cell> BenchCommand::thesisCells() const
{
    Cell cell;
    cell.subscribers = m_config.clients;
    cell.run.target.nginxProgram = m_config.nginxProgram;
    cell.run.csvPath = outPath(QStringLiteral("thesis.csv"));
    cell.run.title = QStringLiteral("Thesis experiment: %1 subscribers per transport, %2 messages of %3 characters %4 ms apart, "
                                    "2 WebSocket + 2 Comet nodes behind nginx (Comet clients spread over 16 source addresses).")
                         .arg(m_config.clients).arg(m_config.iterations).arg(m_config.size).arg(m_config.intervalMs);
    loadgen::LoadOptions &load = cell.run.load = baseLoad();
    load.transports = {protocol::Transport::WebSocket, protocol::Transport::Comet};
    load.clients = m_config.clients;
    load.messages = m_config.iterations;
    load.rate = 1000.0 / m_config.intervalMs;
    load.size = m_config.size;
    return {cell};
}

QList<BenchCommand::Cell> BenchCommand::scaleCells() const
{
    QList<Cell> cells;
    // Each peer cell right after its Duplex cell, so both see the machine alike.
    for (const int subscribers : m_config.sizes) {
        for (const protocol::Transport transport : m_config.transports) {
            for (const bool peer : {false, true}) {
                if (peer && m_config.peer.isEmpty())
                    continue;
                Cell cell;
                cell.transport = transport;
                cell.subscribers = subscribers;
                cell.peer = peer;
                cell.run.target.kind = peer ? BenchTarget::Kind::Nchan : BenchTarget::Kind::Duplex;
                cell.run.target.nginxProgram = m_config.nginxProgram;
                cell.run.title = QStringLiteral("%1 subscribers over %2").arg(subscribers).arg(protocol::transportLabel(transport));
                loadgen::LoadOptions &load = cell.run.load = baseLoad();
                load.transports = {transport};
                load.clients = subscribers;
                load.rate = m_config.rate;
                load.durationSeconds = m_config.durationSeconds;
                load.size = 16;
                // Messages only, as nchan (which has no presence) delivers: with join events
                // on, n subscribers connecting cost n^2/2 deliveries before the first message
                // (12.5 million at 5000), which is a different measurement.
                if (peer)
                    load.protocol = loadgen::LoadOptions::Protocol::Nchan;
                else
                    load.presence = false;
                cells << cell;
            }
        }
    }
    return cells;
}

void BenchCommand::start()
{
    if (!QDir().mkpath(m_config.outDir)) {
        emit progressed(QStringLiteral("cannot create the output directory %1").arg(m_config.outDir));
        finish(1);
        return;
    }
    m_cells = m_config.kind == BenchConfig::Kind::Thesis ? thesisCells() : scaleCells();
    startCell();
}

void BenchCommand::startCell()
{
    ++m_cellIndex;
    if (m_cellIndex >= m_cells.size()) {
        if (m_config.kind == BenchConfig::Kind::Thesis)
            drawChart();
        else
            reportScale();
        return;
    }
    const Cell &cell = m_cells.at(m_cellIndex);
    emit progressed(QStringLiteral("run %1 of %2: %3").arg(m_cellIndex + 1).arg(m_cells.size()).arg(cell.run.title));
    m_run = new BenchRun(cell.run, this);
    connect(m_run, &BenchRun::progressed, this, [this](const QString &line) { emit progressed(QStringLiteral("  ") + line); });
    connect(m_run, &BenchRun::finished, this, &BenchCommand::handleRunFinished);
    m_run->start();
}

void BenchCommand::handleRunFinished(const BenchReport &report)
{
    m_run->deleteLater();
    m_run = nullptr;
    m_reports << report;
    if (!report.passed() || m_interrupted) {
        for (const QString &why : report.failures)
            emit progressed(QStringLiteral("FAILED: ") + why);
        finish(1);
        return;
    }
    startCell();
}

void BenchCommand::drawChart()
{
    const QString csvPath = outPath(QStringLiteral("thesis.csv"));
    const QString pngPath = outPath(QStringLiteral("thesis.png"));
    const QString program = QCoreApplication::applicationDirPath() + QStringLiteral("/duplex-chart");
    if (!QFileInfo(program).isExecutable()) {
        reportThesis(QStringLiteral("not drawn: this build has no GUI (%1 is missing); where the GUI is built: duplex-chart %2 %3")
                         .arg(program, csvPath, pngPath));
        return;
    }
    m_chart = new QProcess(this);
    m_chart->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_chart, &QProcess::finished, this, [this, pngPath](int exitCode, QProcess::ExitStatus status) {
        const QString output = QString::fromLocal8Bit(m_chart->readAll()).trimmed();
        if (status != QProcess::NormalExit || exitCode != 0) {
            emit progressed(output.isEmpty() ? QStringLiteral("duplex-chart failed (exit %1)").arg(exitCode) : output);
            finish(1);
            return;
        }
        reportThesis(pngPath);
    });
    connect(m_chart, &QProcess::errorOccurred, this, [this, program](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        emit progressed(QStringLiteral("cannot run %1: %2").arg(program, m_chart->errorString()));
        finish(1);
    });
    process::startInOwnGroup(m_chart, program, {csvPath, pngPath});
}

void BenchCommand::reportThesis(const QString &chart)
{
    emit reported(m_reports.constLast().toMarkdown() + QStringLiteral("\n\nper iteration: %1\nchart: %2\n")
                                                         .arg(outPath(QStringLiteral("thesis.csv")), chart));
    finish(0);
}

void BenchCommand::reportScale()
{
    // The Duplex rows, each with its peer row (the cell after it) when there is one.
    QList<ScaleRow> duplexRows;
    QList<ScaleRow> peerRows;
    for (qsizetype i = 0; i < m_reports.size(); ++i)
        (m_cells.at(i).peer ? peerRows : duplexRows) << scaleRow(m_reports.at(i), m_cells.at(i).subscribers);
    const bool withPeer = !m_config.peer.isEmpty();

    QStringList text;
    text << QStringLiteral("Scale: %1 messages/s of 16 characters for %2 s per run, 2 WebSocket + 2 Comet nodes behind nginx.")
                .arg(m_config.rate).arg(m_config.durationSeconds)
         << QStringLiteral("Server CPU per delivery: every server process (nodes, broker, static, nginx and its workers), from /proc.")
         << QString() << scaleTable(duplexRows).toMarkdown();
    QJsonArray rows;
    for (qsizetype i = 0; i < duplexRows.size(); ++i) {
        QJsonObject row = scaleJson(duplexRows.at(i));
        if (withPeer) {
            row.insert(QStringLiteral("peer"), scaleJson(peerRows.at(i)));
            row.insert(QStringLiteral("ratio"), ratioJson(duplexRows.at(i), peerRows.at(i)));
        }
        rows.append(row);
    }
    if (withPeer) {
        text << QString()
             << QStringLiteral("nchan (Debian's libnginx-mod-nchan, nginx with %1 workers), the same runs: WebSocket against its "
                               "WebSocket subscriber, Comet against its long-poll one; server CPU of the master and workers, "
                               "memory of the workers.").arg(BenchTarget::Config().nchanWorkers)
             << QString() << scaleTable(peerRows).toMarkdown() << QString()
             << QStringLiteral("Duplex/nchan (delivered/s: above 1 is better for Duplex; the others: below 1 is).")
             << QString() << ratioTable(duplexRows, peerRows).toMarkdown();
    }
    QJsonObject document{{QStringLiteral("rate"), m_config.rate},
                         {QStringLiteral("durationSeconds"), m_config.durationSeconds},
                         {QStringLiteral("rows"), rows}};
    if (withPeer)
        document.insert(QStringLiteral("peer"), m_config.peer);
    const QString jsonPath = outPath(QStringLiteral("scale.json"));
    QSaveFile json(jsonPath);
    if (!json.open(QIODevice::WriteOnly) || json.write(QJsonDocument(document).toJson()) < 0 || !json.commit()) {
        emit reported(text.join(QLatin1Char('\n')) + QLatin1Char('\n'));
        emit progressed(QStringLiteral("cannot write %1: %2").arg(jsonPath, json.errorString()));
        finish(1);
        return;
    }
    text << QString() << QStringLiteral("rows: %1").arg(jsonPath);
    emit reported(text.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    finish(0);
}

void BenchCommand::interrupt()
{
    if (m_interrupted)
        return;
    m_interrupted = true;
    if (m_run) {
        m_run->interrupt(QStringLiteral("interrupted"));
    } else if (m_chart && m_chart->state() != QProcess::NotRunning) {
        // duplex-chart and anything it started: its finished() then fails the command.
        ::kill(-pid_t(m_chart->processId()), SIGKILL);
    }
}

void BenchCommand::finish(int exitCode)
{
    // From the event loop: the caller may quit on it, and finish() can run inside start().
    QTimer::singleShot(0, this, [this, exitCode] { emit finished(exitCode); });
}

} // namespace duplex::bench
