#pragma once

#include "bench/benchoptions.h"
#include "bench/benchreport.h"
#include "bench/benchrun.h"

#include <QObject>
#include <QProcess>

#include <optional>

namespace duplex::bench {

// `duplexctl bench thesis|scale`: a sequence of BenchRuns, each on a fresh target, and
// what they add up to. thesis is one run of both transports: its report, thesis.csv and
// the chart, drawn by the GUI side (the duplex-chart program beside this one, run as a
// child, when the build has it). scale is one run per (subscribers, transport): a table
// and scale.json; with a peer (--peer nchan) each run is followed by the same run against
// nchan, and the output gains an nchan table and a Duplex/nchan ratio table.
//
// It prints nothing: the results come as reported() text (stdout's), progress as
// progressed() lines (stderr's).
class BenchCommand final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BenchCommand)

public:
    explicit BenchCommand(BenchConfig config, QObject *parent = nullptr);
    ~BenchCommand() override;

    void start();
    // Ctrl-C, SIGTERM: the run under way stops and reports, and the command fails.
    void interrupt();

signals:
    void progressed(const QString &line);
    void reported(const QString &text);
    void finished(int exitCode);

private:
    struct Cell
    {
        BenchRunConfig run;
        std::optional<protocol::Transport> transport; // nothing: every transport (thesis)
        int subscribers = 0;
        bool peer = false; // against nchan
    };

    QList<Cell> thesisCells() const;
    QList<Cell> scaleCells() const;
    void startCell();
    void handleRunFinished(const BenchReport &report);
    void drawChart();
    // The thesis's report, then `chart` (the PNG's path, or why there is none).
    void reportThesis(const QString &chart);
    void reportScale();
    void finish(int exitCode);
    QString outPath(const QString &name) const;

    BenchConfig m_config;
    QList<Cell> m_cells;
    qsizetype m_cellIndex = -1;
    QList<BenchReport> m_reports; // one per cell run so far
    BenchRun *m_run = nullptr;
    QProcess *m_chart = nullptr;  // duplex-chart drawing the thesis figure
    bool m_interrupted = false;
};

} // namespace duplex::bench
