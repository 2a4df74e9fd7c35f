#pragma once

#include "load/intervaljson.h"
#include "load/summaryjson.h"
#include "loadgen/loadoptions.h"

#include <QByteArray>
#include <QMetaType>
#include <QObject>
#include <QProcess>
#include <QString>

#include <memory>

class QTemporaryDir;

namespace duplex::control {

// Runs the real duplex-loadgen for the control panel and turns its output into signals: the
// interval lines of stdout, its stderr lines, and at the end the summary and the CSV. The
// generator leads its own process group and dies with this process (PR_SET_PDEATHSIG).
class LoadgenRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadgenRunner)

public:
    explicit LoadgenRunner(QObject *parent = nullptr);
    ~LoadgenRunner() override; // kills a running generator (its process group) and waits

    void setProgram(const QString &path); // default: QCoreApplication::applicationDirPath() + "/duplex-loadgen"
    // Starts duplex-loadgen with loadArguments(options) and a CSV of the runner's own (the
    // options' csvPath is not used); false, with *error set, when a run is under way already,
    // the binary is missing or no temporary directory can be made.
    bool start(const loadgen::LoadOptions &options, QString *error);
    void stop(); // SIGINT: the generator ends early and still reports its summary
    bool isRunning() const;
    qint64 pid() const; // 0 when not running
    // Now on the generator's own clock (the `t` of its lines), in ms, so that what happens
    // during a run can be placed among its intervals; -1 before the first start.
    qint64 generatorElapsedMs() const;

signals:
    void started();
    void intervalReported(const duplex::load::IntervalParse &interval); // one per stdout interval line
    void progressed(const QString &line); // each stderr line of the generator (without the trailing newline)
    void finished(const duplex::load::SummaryParse &summary, const QByteArray &csv);
    void failed(const QString &reason); // non-zero exit, crash, or no summary: the last stderr line says why

private:
    void handleFinished(int exitCode, QProcess::ExitStatus status);
    void handleError(QProcess::ProcessError error);
    void takeStdoutLine(const QByteArray &line, qint64 arrivedNs);
    void takeStderrLine(QByteArray line);

    QString m_program;
    QProcess *m_process; // child
    std::unique_ptr<QTemporaryDir> m_tempDir; // made on the first start
    QString m_csvPath;
    QString m_lastStderrLine;
    load::SummaryParse m_summary;
    bool m_haveSummary = false;
    // The generator's t=0 on QDeadlineTimer's monotonic clock (ns). A line can only arrive
    // after it was written, so each interval line's arrival minus its `t` bounds t=0 from
    // above and the smallest bound is kept.
    qint64 m_generatorZeroNs = 0;
    bool m_everStarted = false;
    bool m_zeroFromIntervals = false;
};

} // namespace duplex::control

Q_DECLARE_METATYPE(duplex::load::IntervalParse)
Q_DECLARE_METATYPE(duplex::load::SummaryParse)
