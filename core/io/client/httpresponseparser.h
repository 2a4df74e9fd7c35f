#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace duplex::client {

// One HTTP/1.x response as read from the wire.
struct HttpResponse
{
    int status = 0;
    QByteArray version; // "HTTP/1.1", "HTTP/1.0"
    QByteArray reason;
    // In wire order, names as sent; chunked trailers are appended after the headers.
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    // The value of the first header named `name` (compared case-insensitively), or empty.
    QByteArray header(const QByteArray &name) const;
    // Whether the connection may carry another request: HTTP/1.1 unless `Connection: close`,
    // HTTP/1.0 only with `Connection: keep-alive`.
    bool keepAlive() const;
};

// Incremental HTTP/1.x response parser: bytes in, whole responses out, no I/O, so tests
// feed it any split of any byte stream.
//
// `feed()` appends bytes and completes at most one response; bytes after that response
// stay buffered. `next()` (the same as `feed({})`) parses the following response from what
// is buffered. After an Error the parser stays failed until `reset()`.
class HttpResponseParser final
{
public:
    // Header blocks (status line, headers, and chunked trailers) larger than this fail.
    static constexpr int kMaxHeaderBytes = 64 * 1024;
    static constexpr qint64 kDefaultMaxBodyBytes = 64 * 1024 * 1024;

    struct Result
    {
        enum class Status { NeedMore, Complete, Error };
        Status status = Status::NeedMore;
        HttpResponse response; // meaningful when Complete
        QString error;         // meaningful when Error
    };

    explicit HttpResponseParser(qint64 maxBodyBytes = kDefaultMaxBodyBytes);

    Result feed(const QByteArray &bytes);
    Result next() { return feed(QByteArray()); }

    // Called at end of stream: completes a body delimited by the connection close; NeedMore
    // when no byte of a response was buffered; Error for a response cut short. The parser
    // is empty afterwards.
    Result finish();

    // Forgets all buffered bytes and any error.
    void reset();

    // The next response answers a HEAD request, so it has no body whatever its headers say.
    // Applies to every response whose headers are read while set.
    void setHeadRequest(bool headRequest) { m_headRequest = headRequest; }
    bool headRequest() const { return m_headRequest; }

    void setMaxBodyBytes(qint64 maxBodyBytes) { m_maxBodyBytes = maxBodyBytes; }
    qint64 maxBodyBytes() const { return m_maxBodyBytes; }

    // True when no byte of a next response is buffered and no response is half-read.
    bool isIdle() const;
    qint64 bufferedBytes() const { return m_buffer.size() - m_pos; }

private:
    enum class State { Head, FixedBody, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Failed };

    Result parse();
    // Reads one line (without its CR LF) at the read position; false when none is complete.
    bool takeLine(QByteArray *line);
    // Reads the header lines gathered in m_lines (the status line, first, is read on arrival).
    bool parseHead(QString *error);
    bool parseStatusLine(const QByteArray &line, QString *error);
    bool parseHeaderLine(const QByteArray &line, QList<QPair<QByteArray, QByteArray>> *into,
                         QString *error);
    // Decides how the body of m_response ends, from status, HEAD and headers.
    bool chooseBodyFraming(QString *error);
    Result complete();
    Result fail(const QString &error);
    void compact();

    QByteArray m_buffer;
    qint64 m_pos = 0;           // read position in m_buffer: bytes before it are consumed
    qint64 m_scan = 0;          // no line feed in m_buffer between m_pos and here
    qint64 m_headBytes = 0;     // bytes of the current header (or trailer) block so far
    QList<QByteArray> m_lines;  // lines of the current header block, status line first
    State m_state = State::Head;
    HttpResponse m_response;
    qint64 m_remaining = 0;     // bytes left of a fixed body or of the current chunk
    qint64 m_maxBodyBytes;
    bool m_headRequest = false;
    QString m_error;
};

} // namespace duplex::client
