#pragma once

#include <QByteArray>
#include <QString>

#include <cstdio>

namespace duplex::cli {

// The one writer to the terminal of the command-line programs (the core prints nothing):
// lines to stdout or stderr, flushed at once, and a live status line, redrawn in place
// where its stream is a terminal and otherwise written as a plain line at most every
// `plainStatusIntervalMs` (never when negative). A line written while the status shows
// clears it first, so the next status draws below it.
class Console final
{
    Q_DISABLE_COPY_MOVE(Console)

public:
    enum class Stream { Out, Err };

    explicit Console(Stream statusStream = Stream::Err, qint64 plainStatusIntervalMs = -1);

    // `text` and a newline.
    void out(const QString &text);
    void err(const QString &text);
    // Bytes as they are (JSON lines that already end in a newline).
    void write(Stream stream, const QByteArray &bytes);
    void status(const QString &line);
    // Leaves the status line where it is and moves below it.
    void endStatus();

private:
    void clearStatus();
    static std::FILE *file(Stream stream);

    Stream m_statusStream;
    bool m_statusOnTerminal;
    qint64 m_plainStatusIntervalMs;
    qint64 m_lastPlainStatusMs = -1;
    bool m_statusShown = false;
};

} // namespace duplex::cli
