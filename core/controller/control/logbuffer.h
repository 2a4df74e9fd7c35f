#pragma once

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <deque>
#include <set>

namespace duplex::control {

// One line of some process's output, as the control panel lists it.
struct LogLine
{
    qint64 timeMs = 0; // ms since the epoch, when it was appended
    QString source;    // who wrote it: "broker", "ws-1", "loadgen", ...
    bool isError = false; // written to stderr, or otherwise known to be an error
    QString text;
};

// The last `capacity` log lines of every source, oldest dropped first, with the filters the
// panel offers. Bounded: a chatty process over hours costs at most `capacity` lines.
class LogBuffer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogBuffer)

public:
    // A capacity below 1 is taken as 1.
    explicit LogBuffer(int capacity = 10000, QObject *parent = nullptr);

    // Stores the line stamped with the current time, dropping the oldest when full.
    void append(const QString &source, bool isError, const QString &text);
    int capacity() const;
    int size() const;
    qint64 dropped() const; // lines dropped because the buffer was full (oldest first)
    // Lines matching all given filters, oldest first: `source` empty = any; errorsOnly: isError
    // lines, or lines whose text looks like a warning/error (contains "error", "warn", "fail",
    // "fatal" case-insensitively); `search` empty = any, else case-insensitive substring.
    QList<LogLine> lines(const QString &source = {}, bool errorsOnly = false, const QString &search = {}) const;
    QStringList sources() const; // distinct sources seen (clear() keeps them), sorted
    // Forgets every line and the dropped count; the sources stay, as their processes may.
    void clear();

signals:
    void lineAppended(const duplex::control::LogLine &line);
    void linesDropped(int count);

private:
    int m_capacity;
    std::deque<LogLine> m_lines;
    std::set<QString> m_sources;
    qint64 m_dropped = 0;
};

// Whether a line belongs under "errors only": written as an error, or reading like one.
bool looksLikeError(const LogLine &line);

} // namespace duplex::control

Q_DECLARE_METATYPE(duplex::control::LogLine)
