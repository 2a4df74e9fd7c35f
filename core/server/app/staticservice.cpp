#include "app/staticservice.h"

#include "http/adminserver.h"
#include "http/httpservice.h"

#include <QFile>
#include <QFileInfo>
#include <QHttpServerRequest>
#include <QTimer>

namespace duplex::app {

using Status = QHttpServerResponder::StatusCode;

namespace {

// Error bodies name the requested path; control characters in it (a decoded %00 or %0A)
// are shown percent-encoded so the body stays one readable line.
QByteArray printablePath(const QString &path)
{
    QByteArray out;
    for (const char c : path.toUtf8()) {
        const uchar byte = uchar(c);
        if (byte < 0x20 || byte == 0x7f)
            out += '%' + QByteArray::number(byte, 16).rightJustified(2, '0').toUpper();
        else
            out += c;
    }
    return out;
}

} // namespace

void StaticService::start(const app::ServerOptions &options)
{
    const QFileInfo rootInfo(options.root);
    QString error;
    if (!rootInfo.exists())
        error = QStringLiteral("web root %1 does not exist").arg(options.root);
    else if (!rootInfo.isDir())
        error = QStringLiteral("web root %1 is not a directory").arg(options.root);
    if (!error.isEmpty()) {
        // Queued: the caller connects to `failed` after start() returns.
        QTimer::singleShot(0, this, [this, error] { emit failed(error); });
        return;
    }
    m_site = web::StaticSite(options.root);

    using K = metrics::Metrics::Kind;
    m_metrics.add("duplex_http_requests_total", K::Counter, "HTTP requests received.",
                  [this] { return double(m_requests); });
    // One name per status class rather than a `code` label: Metrics writes HELP and TYPE
    // lines per entry, and those may not carry labels.
    for (const int statusClass : {2, 4, 5}) {
        const QByteArray digit = QByteArray::number(statusClass);
        m_metrics.add("duplex_http_responses_" + digit + "xx_total", K::Counter,
                      "HTTP responses with a " + digit + "xx status.",
                      [this, statusClass] { return double(m_responses[statusClass - 1]); });
    }
    m_metrics.add("duplex_bytes_out_total", K::Counter, "Bytes of response bodies sent.",
                  [this] { return double(m_bytesOut); });

    m_http = new http::HttpService(
        [this](const QHttpServerRequest &request, QTcpSocket *socket) { handleRequest(request, socket); }, this);
    m_admin = new http::AdminServer(&m_metrics, [] { return true; }, this);
    const quint16 port = m_http->listenOn(options.host, options.port, &error);
    const quint16 admin = port ? m_admin->listen(options.host, options.adminPort, &error) : 0;
    if (!port || !admin) {
        QTimer::singleShot(0, this, [this, error] { emit failed(error); });
        return;
    }
    QTimer::singleShot(0, this, [this, port, admin] {
        emit started({{QStringLiteral("port"), port},
                      {QStringLiteral("admin"), admin},
                      {QStringLiteral("root"), m_site.root()}});
    });
}

void StaticService::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    ++m_requests;
    QHttpServerResponder responder = http::HttpService::responderFor(request, socket);
    const bool head = request.method() == QHttpServerRequest::Method::Head;
    if (!head && request.method() != QHttpServerRequest::Method::Get) {
        respond(responder, false, Status::MethodNotAllowed, "text/plain; charset=utf-8",
                "method not allowed: this server only answers GET and HEAD\n", {{"Allow", "GET, HEAD"}});
        return;
    }

    const QString path = request.url().path();
    const web::StaticSite::Resolution resolution = m_site.resolve(path);
    // Forbidden (an escape attempt) gets the same 404 as a missing file, so probing
    // cannot tell what exists outside the root or why a path was refused.
    if (resolution.status != web::StaticSite::Resolution::Status::Ok) {
        respond(responder, head, Status::NotFound, "text/plain; charset=utf-8",
                "not found: " + printablePath(path) + '\n');
        return;
    }

    // The file is read for HEAD as well, so HEAD answers exactly what GET would
    // (status, Content-Length) minus the body; the web client's files are small.
    QFile file(resolution.filePath);
    QByteArray body;
    if (file.open(QIODevice::ReadOnly))
        body = file.readAll();
    if (!file.isOpen() || file.error() != QFileDevice::NoError || body.size() != file.size()) {
        qWarning("static: cannot read %s: %s", qPrintable(resolution.filePath), qPrintable(file.errorString()));
        respond(responder, head, Status::InternalServerError, "text/plain; charset=utf-8",
                "cannot read " + printablePath(path) + ": " + file.errorString().toUtf8() + '\n');
        return;
    }
    respond(responder, head, Status::Ok, web::mimeType(resolution.filePath), body);
}

void StaticService::respond(QHttpServerResponder &responder, bool head, Status status,
                            const QByteArray &contentType, const QByteArray &body,
                            const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    ++m_responses[int(status) / 100 - 1];
    responder.writeStatusLine(status);
    responder.writeHeader("Content-Type", contentType);
    responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    for (const auto &header : extraHeaders)
        responder.writeHeader(header.first, header.second);
    responder.writeHeader("Cache-Control", "no-cache");
    responder.writeHeader("X-Content-Type-Options", "nosniff");
    if (head) {
        // Ends the header block; a HEAD response never carries a body.
        responder.writeBody(QByteArray());
        return;
    }
    responder.writeBody(body);
    m_bytesOut += quint64(body.size());
}

} // namespace duplex::app
