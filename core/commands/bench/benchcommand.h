#pragma once

#include "bench/benchoptions.h"
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
// processes in /proc, and writes the results. The thesis chart is drawn by the GUI side:
// the duplex-chart program beside this one, run as a child, when the build has it.
//
// With a peer (scale --peer nchan), every cell is followed by the same cell against a
// fresh NchanServer, sampled the same way (nginx master and workers), and the scale
// output gains an nchan table and a Duplex/nchan ratio table.
class BenchCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BenchCommand)

public:
    explicit BenchCommand(BenchConfig config, QObject *parent = nullptr);
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
    void handleLoadgenOutput(const QByteArray &line);
    void handleLoadgenError(const QByteArray &line);
    void handleLoadgenFinished(int exitCode, QProcess::ExitStatus status);
    void finishCell();
    void finishThesis();
    // The thesis table, then `chart` (the PNG's path, or why there is none).
    void reportThesis(const QString &csvPath, const QString &chart);
    void finishScale();
    void fail(const QString &reason);
    QList<qint64> serverPids() const;
    qint64 transportRss(const QString &transport) const;
    qint64 serverCpu() const;
    QStringList loadgenArguments() const;
    void print(const QString &line);
    void note(const QString &line);

    BenchConfig m_config;
    QList<Cell> m_cells;
    int m_cellIndex = -1;
    QList<CellResult> m_results;
    std::unique_ptr<Cluster> m_cluster;
    std::unique_ptr<peer::NchanServer> m_nchan; // the cell's server instead, for peer cells
    QProcess *m_loadgen = nullptr;
    QProcess *m_chart = nullptr; // duplex-chart drawing the thesis figure
    QByteArray m_lastLoadgenError;
    qint64 m_rssBaseline = 0;
    qint64 m_rssLoaded = 0;
    qint64 m_cpuStart = -1;
    qint64 m_cpuEnd = -1;
    bool m_stopping = false;
};

} // namespace duplex::control
