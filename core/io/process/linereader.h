#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>

namespace duplex::process {

// Splits what a child writes on stdout and on stderr into lines, each channel read on its
// own: QProcess::canReadLine()/readLine() look only at the current read channel, so a
// loop over them on stderr reads stdout, and stderr arrives as one blob at exit. A line is
// bounded (a longer one is passed on in pieces of maxLineBytes); when the child ends, each
// channel's unterminated last line is passed on before this reader's finished().
class LineReader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LineReader)

public:
    static constexpr qsizetype kDefaultMaxLineBytes = 4 * 1024 * 1024;

    // Reads `process` (its child: it goes with it) from now on.
    explicit LineReader(QProcess *process, qsizetype maxLineBytes = kDefaultMaxLineBytes);

signals:
    // One line, without its newline.
    void lineRead(QProcess::ProcessChannel channel, const QByteArray &line);
    // The child ended and every line it wrote has been passed on.
    void finished(int exitCode, QProcess::ExitStatus status);

private:
    void handleReadable(QProcess::ProcessChannel channel);
    void handleFinished(int exitCode, QProcess::ExitStatus status);
    void take(QProcess::ProcessChannel channel, const QByteArray &bytes);

    QProcess *m_process;
    qsizetype m_maxLineBytes;
    QByteArray m_partial[2]; // indexed by QProcess::ProcessChannel
};

} // namespace duplex::process
