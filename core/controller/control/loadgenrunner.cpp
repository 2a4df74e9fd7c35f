#include "control/loadgenrunner.h"

#include "process/linereader.h"
#include "process/spawn.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <csignal>

namespace duplex::control {

LoadgenRunner::LoadgenRunner(QObject *parent)
    : QObject(parent)
    , m_program(QCoreApplication::applicationDirPath() + QStringLiteral("/duplex-loadgen"))
    , m_process(new QProcess(this))
{
    connect(m_process, &QProcess::started, this, &LoadgenRunner::started);
    auto *lines = new process::LineReader(m_process);
    connect(lines, &process::LineReader::lineRead, this, [this](QProcess::ProcessChannel channel, const QByteArray &line) {
        if (channel == QProcess::StandardOutput)
            takeStdoutLine(line, QDeadlineTimer::current().deadlineNSecs());
        else
            takeStderrLine(line);
    });
    connect(lines, &process::LineReader::finished, this, &LoadgenRunner::handleFinished);
    connect(m_process, &QProcess::errorOccurred, this, &LoadgenRunner::handleError);
}

LoadgenRunner::~LoadgenRunner()
{
    // The panel closing mid-run takes the run with it, workers (--procs) included: they share
    // the generator's process group.
    if (m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        const qint64 id = m_process->processId();
        if (id > 0)
            ::kill(-pid_t(id), SIGKILL);
        m_process->waitForFinished(2000);
    }
}

void LoadgenRunner::setProgram(const QString &path)
{
    m_program = path;
}

bool LoadgenRunner::start(const loadgen::LoadOptions &options, QString *error)
{
    auto fail = [error](const QString &reason) {
        if (error)
            *error = reason;
        return false;
    };
    if (isRunning())
        return fail(QStringLiteral("duplex-loadgen is running already (pid %1)").arg(pid()));
    const QFileInfo program(m_program);
    if (!program.isFile() || !program.isExecutable())
        return fail(QStringLiteral("no duplex-loadgen executable at %1").arg(m_program));
    if (!m_tempDir)
        m_tempDir = std::make_unique<QTemporaryDir>();
    if (!m_tempDir->isValid())
        return fail(QStringLiteral("cannot make a temporary directory for the CSV: %1").arg(m_tempDir->errorString()));
    m_csvPath = m_tempDir->filePath(QStringLiteral("run.csv"));
    // A previous run's rows must never pass for this one's.
    QFile::remove(m_csvPath);

    m_lastStderrLine.clear();
    m_summary = {};
    m_haveSummary = false;
    // Until the first interval line, t=0 is its launch: the nearest instant known, its clock starts just after.
    m_generatorZeroNs = QDeadlineTimer::current().deadlineNSecs();
    m_everStarted = true;
    m_zeroFromIntervals = false;

    loadgen::LoadOptions runOptions = options;
    runOptions.csvPath = m_csvPath;
    // Its own group, so that a kill reaches the workers of --procs too.
    process::startInOwnGroup(m_process, m_program, loadgen::loadArguments(runOptions));
    return true;
}

void LoadgenRunner::stop()
{
    if (!isRunning() || pid() <= 0)
        return;
    // The generator alone, not its group: it stops its workers itself and merges what they saw.
    ::kill(pid_t(pid()), SIGINT);
}

bool LoadgenRunner::isRunning() const
{
    return m_process->state() != QProcess::NotRunning;
}

qint64 LoadgenRunner::pid() const
{
    return isRunning() ? m_process->processId() : 0;
}

qint64 LoadgenRunner::generatorElapsedMs() const
{
    if (!m_everStarted)
        return -1;
    return (QDeadlineTimer::current().deadlineNSecs() - m_generatorZeroNs) / 1000000;
}

void LoadgenRunner::takeStdoutLine(const QByteArray &line, qint64 arrivedNs)
{
    const QByteArray trimmed = line.trimmed();
    if (trimmed.isEmpty())
        return;
    if (trimmed.startsWith("{\"summary\"")) {
        m_summary = load::parseSummaryJson(trimmed);
        m_haveSummary = m_summary.status == load::SummaryParse::Status::Ok;
        return;
    }
    const load::IntervalParse interval = load::parseIntervalJsonLine(trimmed);
    // Anything else on stdout is not ours to chart.
    if (interval.status != load::IntervalParse::Status::Ok)
        return;
    // Before the signal, so that whoever reacts to the interval reads the refined clock.
    const qint64 zeroNs = arrivedNs - interval.elapsedMs * 1000000;
    if (!m_zeroFromIntervals || zeroNs < m_generatorZeroNs)
        m_generatorZeroNs = zeroNs;
    m_zeroFromIntervals = true;
    emit intervalReported(interval);
}

void LoadgenRunner::takeStderrLine(QByteArray line)
{
    if (line.endsWith('\r'))
        line.chop(1);
    const QString text = QString::fromUtf8(line);
    if (!text.trimmed().isEmpty())
        m_lastStderrLine = text;
    emit progressed(text);
}

void LoadgenRunner::handleFinished(int exitCode, QProcess::ExitStatus status)
{
    if (status == QProcess::NormalExit && exitCode == 0 && m_haveSummary) {
        QByteArray csv;
        QFile file(m_csvPath);
        if (file.open(QIODevice::ReadOnly))
            csv = file.readAll();
        emit finished(m_summary, csv);
        return;
    }
    QString why;
    if (status == QProcess::CrashExit)
        why = QStringLiteral("duplex-loadgen crashed");
    else if (exitCode != 0)
        why = QStringLiteral("duplex-loadgen exited with status %1").arg(exitCode);
    else
        why = QStringLiteral("duplex-loadgen printed no summary");
    if (!m_lastStderrLine.isEmpty())
        why += QStringLiteral(": ") + m_lastStderrLine;
    emit failed(why);
}

void LoadgenRunner::handleError(QProcess::ProcessError error)
{
    // Only a failed start has no finished() to follow; crashes are reported there.
    if (error == QProcess::FailedToStart)
        emit failed(QStringLiteral("cannot start %1: %2").arg(m_program, m_process->errorString()));
}

} // namespace duplex::control
