#include "httpcall.h"

#include <QTest>

#include <optional>

duplex::client::HttpResult httpCall(quint16 port, const QByteArray &method, const QByteArray &target,
                                    const QByteArray &body, const QHostAddress &source, int timeoutMs,
                                    const duplex::client::HttpConnection::Headers &headers)
{
    duplex::client::HttpConnection connection(QStringLiteral("127.0.0.1"), port, source);
    std::optional<duplex::client::HttpResult> result;
    connection.request(method, target, body, body.isEmpty() ? QByteArray() : QByteArray("application/json"),
                       timeoutMs, [&result](const duplex::client::HttpResult &r) { result = r; }, headers);
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, timeoutMs + 2000))
        return duplex::client::HttpResult::failure(QStringLiteral("no answer within %1 ms").arg(timeoutMs + 2000));
    return *result;
}

QByteArray headerValue(const duplex::client::HttpResult &result, const QByteArray &name)
{
    for (const auto &header : result.headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return header.second;
    }
    return {};
}
