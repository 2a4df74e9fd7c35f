#include "client/httpresponseparser.h"

#include <algorithm>
#include <cctype>

namespace duplex::client {

namespace {

// A chunk-size line is a hex number and optional extensions; anything longer is abuse.
constexpr qint64 kMaxChunkLineBytes = 4096;
// 18 decimal digits and 15 hex digits both stay below 2^63.
constexpr int kMaxLengthDigits = 18;
constexpr int kMaxChunkSizeDigits = 15;

// Bytes of untrusted input for an error message: short and printable.
QString quoted(const QByteArray &bytes)
{
    QByteArray shown = bytes.left(80);
    for (char &c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            c = '?';
    }
    return QLatin1Char('\'') + QString::fromLatin1(shown) + QLatin1String(bytes.size() > 80 ? "...'" : "'");
}

bool isDigits(const QByteArray &bytes)
{
    return !bytes.isEmpty() && std::all_of(bytes.begin(), bytes.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A header name is an RFC 9110 token; spaces before the colon are an old smuggling vector.
bool isToken(const QByteArray &name)
{
    static const QByteArray separators = QByteArrayLiteral("()<>@,;:\\\"/[]?={} \t");
    return !name.isEmpty() && std::all_of(name.begin(), name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && !separators.contains(c);
    });
}

QList<QByteArray> tokens(const QByteArray &list)
{
    QList<QByteArray> result;
    for (const QByteArray &part : list.split(',')) {
        const QByteArray token = part.trimmed().toLower();
        if (!token.isEmpty())
            result.append(token);
    }
    return result;
}

} // namespace

QByteArray HttpResponse::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool HttpResponse::keepAlive() const
{
    bool close = false;
    bool keepAlive = false;
    for (const auto &[key, value] : headers) {
        if (key.compare("connection", Qt::CaseInsensitive) != 0)
            continue;
        const QList<QByteArray> options = tokens(value);
        close = close || options.contains("close");
        keepAlive = keepAlive || options.contains("keep-alive");
    }
    if (close)
        return false;
    return version == "HTTP/1.0" ? keepAlive : true;
}

HttpResponseParser::HttpResponseParser(qint64 maxBodyBytes)
    : m_maxBodyBytes(maxBodyBytes)
{
}

HttpResponseParser::Result HttpResponseParser::feed(const QByteArray &bytes)
{
    if (m_state == State::Failed)
        return {Result::Status::Error, {}, m_error};
    m_buffer.append(bytes);
    Result result = parse();
    compact();
    return result;
}

HttpResponseParser::Result HttpResponseParser::finish()
{
    Result result = feed(QByteArray());
    if (result.status != Result::Status::NeedMore)
        return result;
    if (m_state == State::UntilClose) {
        result = complete();
    } else if (m_state == State::Head && m_lines.isEmpty() && bufferedBytes() == 0) {
        result = {};
    } else {
        result = {Result::Status::Error, {},
                  QStringLiteral("connection closed before the response was complete")};
    }
    reset();
    return result;
}

void HttpResponseParser::reset()
{
    m_buffer.clear();
    m_pos = 0;
    m_scan = 0;
    m_headBytes = 0;
    m_lines.clear();
    m_state = State::Head;
    m_response = {};
    m_remaining = 0;
    m_error.clear();
}

bool HttpResponseParser::isIdle() const
{
    return m_state == State::Head && m_lines.isEmpty() && bufferedBytes() == 0;
}

HttpResponseParser::Result HttpResponseParser::parse()
{
    for (;;) {
        const qint64 available = m_buffer.size() - m_pos;
        switch (m_state) {
        case State::Head:
        case State::Trailers: {
            QByteArray line;
            const qint64 before = m_pos;
            const bool haveLine = takeLine(&line);
            m_headBytes += haveLine ? m_pos - before : available;
            if (m_headBytes > kMaxHeaderBytes) {
                return fail(QStringLiteral("header block larger than %1 bytes").arg(kMaxHeaderBytes));
            }
            if (!haveLine) {
                m_headBytes -= available; // counted again once the line is complete
                return {};
            }
            if (m_state == State::Trailers) {
                if (line.isEmpty())
                    return complete();
                QString error;
                if (!parseHeaderLine(line, &m_response.headers, &error))
                    return fail(error);
                continue;
            }
            // Stray line ends before a status line (after a sloppy body) carry nothing.
            if (line.isEmpty() && m_lines.isEmpty()) {
                m_headBytes = 0;
                continue;
            }
            if (!line.isEmpty()) {
                // Reject a bad status line at once instead of waiting for a whole block.
                QString error;
                if (m_lines.isEmpty() && !parseStatusLine(line, &error))
                    return fail(error);
                m_lines.append(line);
                continue;
            }
            QString error;
            if (!parseHead(&error) || !chooseBodyFraming(&error))
                return fail(error);
            if (m_state == State::Head) // no body
                return complete();
            continue;
        }
        case State::FixedBody:
        case State::ChunkData: {
            const qint64 take = std::min(available, m_remaining);
            if (take == 0)
                return {};
            m_response.body.append(m_buffer.constData() + m_pos, take);
            m_pos += take;
            m_remaining -= take;
            if (m_remaining > 0)
                return {};
            if (m_state == State::FixedBody)
                return complete();
            m_state = State::ChunkDataEnd;
            continue;
        }
        case State::ChunkDataEnd: {
            if (available == 0)
                return {};
            if (m_buffer.at(m_pos) == '\n') {
                m_pos += 1;
            } else if (m_buffer.at(m_pos) == '\r') {
                if (available < 2)
                    return {};
                if (m_buffer.at(m_pos + 1) != '\n')
                    return fail(QStringLiteral("chunk data not followed by CR LF"));
                m_pos += 2;
            } else {
                return fail(QStringLiteral("chunk data not followed by CR LF"));
            }
            m_state = State::ChunkSize;
            continue;
        }
        case State::ChunkSize: {
            QByteArray line;
            if (!takeLine(&line)) {
                if (available > kMaxChunkLineBytes)
                    return fail(QStringLiteral("chunk size line longer than %1 bytes").arg(kMaxChunkLineBytes));
                return {};
            }
            const int extension = line.indexOf(';');
            const QByteArray digits = (extension < 0 ? line : line.left(extension)).trimmed();
            bool ok = !digits.isEmpty() && digits.size() <= kMaxChunkSizeDigits
                && std::all_of(digits.begin(), digits.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
            const qint64 size = ok ? digits.toLongLong(&ok, 16) : 0;
            if (!ok)
                return fail(QStringLiteral("bad chunk size %1").arg(quoted(line)));
            if (size == 0) {
                m_state = State::Trailers;
                m_headBytes = 0;
                continue;
            }
            if (m_response.body.size() + size > m_maxBodyBytes)
                return fail(QStringLiteral("body larger than the limit of %1 bytes").arg(m_maxBodyBytes));
            m_remaining = size;
            m_state = State::ChunkData;
            continue;
        }
        case State::UntilClose:
            if (m_response.body.size() + available > m_maxBodyBytes)
                return fail(QStringLiteral("body larger than the limit of %1 bytes").arg(m_maxBodyBytes));
            m_response.body.append(m_buffer.constData() + m_pos, available);
            m_pos += available;
            return {};
        case State::Failed:
            return {Result::Status::Error, {}, m_error};
        }
    }
}

bool HttpResponseParser::takeLine(QByteArray *line)
{
    const qint64 end = m_buffer.indexOf('\n', std::max(m_pos, m_scan));
    if (end < 0) {
        m_scan = m_buffer.size();
        return false;
    }
    qint64 length = end - m_pos;
    if (length > 0 && m_buffer.at(end - 1) == '\r')
        --length;
    *line = m_buffer.mid(m_pos, length);
    m_pos = end + 1;
    m_scan = m_pos;
    return true;
}

bool HttpResponseParser::parseHead(QString *error)
{
    // The status line (first) was read as it arrived.
    for (qsizetype i = 1; i < m_lines.size(); ++i) {
        if (!parseHeaderLine(m_lines.at(i), &m_response.headers, error))
            return false;
    }
    m_lines.clear();
    return true;
}

// "HTTP/1.1 200 OK": version, one space, three digits, and an optional reason.
bool HttpResponseParser::parseStatusLine(const QByteArray &line, QString *error)
{
    const bool ok = line.size() >= 12 && line.startsWith("HTTP/1.") && std::isdigit(static_cast<unsigned char>(line.at(7)))
        && line.at(8) == ' ' && isDigits(line.mid(9, 3)) && line.at(9) != '0'
        && (line.size() == 12 || line.at(12) == ' ');
    if (!ok) {
        *error = QStringLiteral("bad status line %1").arg(quoted(line));
        return false;
    }
    m_response.version = line.left(8);
    m_response.status = line.mid(9, 3).toInt();
    m_response.reason = line.mid(13);
    return true;
}

bool HttpResponseParser::parseHeaderLine(const QByteArray &line, QList<QPair<QByteArray, QByteArray>> *into,
                                         QString *error)
{
    // Obsolete line folding continues the previous value (RFC 9112 5.2).
    if (line.startsWith(' ') || line.startsWith('\t')) {
        if (into->isEmpty()) {
            *error = QStringLiteral("header continuation without a header %1").arg(quoted(line));
            return false;
        }
        into->last().second += ' ' + line.trimmed();
        return true;
    }
    const int colon = line.indexOf(':');
    const QByteArray name = colon < 0 ? QByteArray() : line.left(colon);
    if (!isToken(name)) {
        *error = QStringLiteral("bad header line %1").arg(quoted(line));
        return false;
    }
    into->append({name, line.mid(colon + 1).trimmed()});
    return true;
}

bool HttpResponseParser::chooseBodyFraming(QString *error)
{
    const int status = m_response.status;
    if (m_headRequest || (status >= 100 && status < 200) || status == 204 || status == 304) {
        m_state = State::Head;
        return true;
    }

    QByteArray transferEncoding;
    QByteArray contentLength;
    bool haveLength = false;
    for (const auto &[key, value] : std::as_const(m_response.headers)) {
        if (key.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            transferEncoding += (transferEncoding.isEmpty() ? "" : ",") + value;
        } else if (key.compare("content-length", Qt::CaseInsensitive) == 0) {
            // Repeated lengths (as headers or a list) are tolerated only when all agree.
            for (const QByteArray &part : value.split(',')) {
                const QByteArray length = part.trimmed();
                if (!isDigits(length) || length.size() > kMaxLengthDigits
                    || (haveLength && length != contentLength)) {
                    *error = QStringLiteral("bad Content-Length %1").arg(quoted(value));
                    return false;
                }
                contentLength = length;
                haveLength = true;
            }
        }
    }

    // Transfer-Encoding overrides Content-Length (RFC 9112 6.3); a response whose last
    // coding is not chunked runs until the connection closes.
    if (!transferEncoding.isEmpty()) {
        const QList<QByteArray> codings = tokens(transferEncoding);
        m_state = !codings.isEmpty() && codings.constLast() == "chunked" ? State::ChunkSize : State::UntilClose;
        return true;
    }
    if (haveLength) {
        m_remaining = contentLength.toLongLong();
        if (m_remaining > m_maxBodyBytes) {
            *error = QStringLiteral("body of %1 bytes larger than the limit of %2 bytes")
                         .arg(m_remaining)
                         .arg(m_maxBodyBytes);
            return false;
        }
        m_state = m_remaining == 0 ? State::Head : State::FixedBody;
        return true;
    }
    m_state = State::UntilClose;
    return true;
}

HttpResponseParser::Result HttpResponseParser::complete()
{
    Result result;
    result.status = Result::Status::Complete;
    result.response = std::move(m_response);
    m_response = {};
    m_lines.clear();
    m_headBytes = 0;
    m_remaining = 0;
    m_state = State::Head;
    return result;
}

HttpResponseParser::Result HttpResponseParser::fail(const QString &error)
{
    m_state = State::Failed;
    m_error = error;
    m_buffer.clear();
    m_pos = 0;
    m_scan = 0;
    return {Result::Status::Error, {}, error};
}

// Drops consumed bytes; cheap enough per call since bodies are copied out as they arrive.
void HttpResponseParser::compact()
{
    if (m_pos == 0)
        return;
    if (m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
        m_scan = 0;
    } else if (m_pos >= 4096) {
        m_buffer.remove(0, m_pos);
        m_scan = std::max<qint64>(0, m_scan - m_pos);
        m_pos = 0;
    }
}

} // namespace duplex::client
