#pragma once

#include "control/benchoptions.h"
#include "load/loadreport.h"

#include <QObject>
#include <QProcess>

#include <functional>
#include <memory>

namespace duplex::peer {
class NchanServer;
}

namespace duplex::control {

class Cluster;

// `duplexctl bench thesis|scale`: starts a cluster of its own, drives duplex-loadgen
// against it (the same binary and stream the control panel uses), samples the server
// processes in /proc, and writes the results. The chart is drawn by a function the
// caller provides, so this class stays free of GUI code.
//
// With a peer (scale --peer nchan), every cell is followed by the same cell against a
// fresh NchanServer, sampled the same way (nginx master and workers), and the scale
// output gains an nchan table and a Duplex/nchan ratio table.
class BenchCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BenchCommand)

public:
    // Draws the thesis chart from the CSV into a PNG; false with *error on failure.
    using ChartRenderer = std::function<bool(const QString &csvPath, const QString &pngPath, QString *error)>;

    BenchCommand(BenchConfig config, ChartRenderer renderChart, QObject *parent = nullptr);
    ~BenchCommand() override;

    void run();
    void handleTermination();

signals:
    void finished(int exitCode);

private:
    // One run of duplex-loadgen on a fresh cluster.
    struct Cell
    {
        QString transport; // empty: every transport (thesis)
        int clients = 0;
        bool nchan = false; // against the peer, not a Duplex cluster
    };
    struct CellResult
    {
        Cell cell;
        load::SummaryParse summary;
        double serverCpuMicros = 0;
        double rssPerConnectionBytes = 0;
        bool ok = false;
    };

    void startCell();
    void startCluster();
    void startNchan();
    // The cell's server (cluster or nchan) is up: runs duplex-loadgen against it.
    void handleServerStarted();
    // Stops whichever server is up and calls `then` from the event loop once it is gone
    // (at once, queued, when none is).
    void stopServer(std::function<void()> then);
    void handleLoadgenOutput();
    void handleLoadgenError();
    void handleLoadgenFinished(int exitCode, QProcess::ExitStatus status);
    void finishCell();
    void finishThesis();
    void finishScale();
    void fail(const QString &reason);
    QList<qint64> serverPids() const;
    qint64 transportRss(const QString &transport) const;
    qint64 serverCpu() const;
    QStringList loadgenArguments() const;
    void print(const QString &line);
    void note(const QString &line);

    BenchConfig m_config;
    ChartRenderer m_renderChart;
    QList<Cell> m_cells;
    int m_cellIndex = -1;
    QList<CellResult> m_results;
    std::unique_ptr<Cluster> m_cluster;
    std::unique_ptr<peer::NchanServer> m_nchan; // the cell's server instead, for peer cells
    QProcess *m_loadgen = nullptr;
    QByteArray m_stdoutBuffer;
    QByteArray m_stderrBuffer;
    QByteArray m_lastLoadgenError;
    qint64 m_rssBaseline = 0;
    qint64 m_rssLoaded = 0;
    qint64 m_cpuStart = -1;
    qint64 m_cpuEnd = -1;
    bool m_stopping = false;
};

} // namespace duplex::control
