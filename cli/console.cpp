#include "console.h"

#include "util/monotonic.h"

#include <unistd.h>

namespace duplex::cli {

namespace {
// Erases the terminal's current line and returns to its start.
constexpr char kClearLine[] = "\r\033[K";
}

Console::Console(Stream statusStream, qint64 plainStatusIntervalMs)
    : m_statusStream(statusStream)
    , m_statusOnTerminal(::isatty(::fileno(file(statusStream))) == 1)
    , m_plainStatusIntervalMs(plainStatusIntervalMs)
{
}

std::FILE *Console::file(Stream stream)
{
    return stream == Stream::Out ? stdout : stderr;
}

void Console::out(const QString &text)
{
    write(Stream::Out, text.toLocal8Bit() + '\n');
}

void Console::err(const QString &text)
{
    write(Stream::Err, text.toLocal8Bit() + '\n');
}

void Console::write(Stream stream, const QByteArray &bytes)
{
    clearStatus();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), file(stream));
    std::fflush(file(stream));
}

void Console::status(const QString &line)
{
    std::FILE *f = file(m_statusStream);
    if (m_statusOnTerminal) {
        std::fputs(kClearLine, f);
        std::fputs(line.toLocal8Bit().constData(), f);
        std::fflush(f);
        m_statusShown = true;
        return;
    }
    if (m_plainStatusIntervalMs < 0)
        return;
    const qint64 now = util::monotonicMs();
    if (m_lastPlainStatusMs >= 0 && now - m_lastPlainStatusMs < m_plainStatusIntervalMs)
        return;
    m_lastPlainStatusMs = now;
    write(m_statusStream, QByteArrayLiteral("status: ") + line.toLocal8Bit() + '\n');
}

void Console::endStatus()
{
    if (!m_statusShown)
        return;
    std::fputs("\n", file(m_statusStream));
    std::fflush(file(m_statusStream));
    m_statusShown = false;
}

void Console::clearStatus()
{
    if (!m_statusShown)
        return;
    std::fputs(kClearLine, file(m_statusStream));
    std::fflush(file(m_statusStream));
    m_statusShown = false;
}

} // namespace duplex::cli
