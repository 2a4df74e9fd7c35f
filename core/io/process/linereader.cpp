#include "process/linereader.h"

#include <utility>

namespace duplex::process {

LineReader::LineReader(QProcess *process, qsizetype maxLineBytes)
    : QObject(process)
    , m_process(process)
    , m_maxLineBytes(maxLineBytes)
{
    connect(process, &QProcess::readyReadStandardOutput, this, [this] { handleReadable(QProcess::StandardOutput); });
    connect(process, &QProcess::readyReadStandardError, this, [this] { handleReadable(QProcess::StandardError); });
    connect(process, &QProcess::finished, this, &LineReader::handleFinished);
}

void LineReader::handleReadable(QProcess::ProcessChannel channel)
{
    take(channel, channel == QProcess::StandardOutput ? m_process->readAllStandardOutput()
                                                      : m_process->readAllStandardError());
}

void LineReader::take(QProcess::ProcessChannel channel, const QByteArray &bytes)
{
    QByteArray &partial = m_partial[channel];
    partial += bytes;
    qsizetype start = 0;
    for (qsizetype end = partial.indexOf('\n'); end >= 0; end = partial.indexOf('\n', start)) {
        // A line past the bound goes on in pieces, so the buffer never outgrows it.
        for (; end - start > m_maxLineBytes; start += m_maxLineBytes)
            emit lineRead(channel, partial.mid(start, m_maxLineBytes));
        emit lineRead(channel, partial.mid(start, end - start));
        start = end + 1;
    }
    for (; partial.size() - start > m_maxLineBytes; start += m_maxLineBytes)
        emit lineRead(channel, partial.mid(start, m_maxLineBytes));
    partial.remove(0, start);
}

void LineReader::handleFinished(int exitCode, QProcess::ExitStatus status)
{
    // What the child wrote last may not have been announced yet, and may end without a newline.
    for (const QProcess::ProcessChannel channel : {QProcess::StandardOutput, QProcess::StandardError}) {
        handleReadable(channel);
        if (!m_partial[channel].isEmpty())
            emit lineRead(channel, std::exchange(m_partial[channel], {}));
    }
    emit finished(exitCode, status);
}

} // namespace duplex::process
