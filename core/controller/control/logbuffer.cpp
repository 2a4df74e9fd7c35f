#include "control/logbuffer.h"

#include <QDateTime>

#include <algorithm>

namespace duplex::control {

bool looksLikeError(const LogLine &line)
{
    if (line.isError)
        return true;
    // Processes write warnings and errors to stdout too; these words catch them in any case.
    for (const QLatin1String word : {QLatin1String("error"), QLatin1String("warn"), QLatin1String("fail"), QLatin1String("fatal")}) {
        if (line.text.contains(word, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

LogBuffer::LogBuffer(int capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(std::max(capacity, 1))
{
}

void LogBuffer::append(const QString &source, bool isError, const QString &text)
{
    LogLine line;
    line.timeMs = QDateTime::currentMSecsSinceEpoch();
    line.source = source;
    line.isError = isError;
    line.text = text;
    int droppedNow = 0;
    while (int(m_lines.size()) >= m_capacity) {
        m_lines.pop_front();
        ++droppedNow;
    }
    m_dropped += droppedNow;
    m_sources.insert(source);
    m_lines.push_back(line);
    // Dropped before appended: a view mirroring the buffer removes, then adds.
    if (droppedNow > 0)
        emit linesDropped(droppedNow);
    emit lineAppended(line);
}

int LogBuffer::capacity() const
{
    return m_capacity;
}

int LogBuffer::size() const
{
    return int(m_lines.size());
}

qint64 LogBuffer::dropped() const
{
    return m_dropped;
}

QList<LogLine> LogBuffer::lines(const QString &source, bool errorsOnly, const QString &search) const
{
    QList<LogLine> result;
    for (const LogLine &line : m_lines) {
        if (!source.isEmpty() && line.source != source)
            continue;
        if (errorsOnly && !looksLikeError(line))
            continue;
        if (!search.isEmpty() && !line.text.contains(search, Qt::CaseInsensitive))
            continue;
        result << line;
    }
    return result;
}

QStringList LogBuffer::sources() const
{
    // std::set keeps them sorted.
    return QStringList(m_sources.cbegin(), m_sources.cend());
}

void LogBuffer::clear()
{
    m_lines.clear();
    m_dropped = 0;
}

} // namespace duplex::control
