#pragma once

#include <QByteArray>
#include <QMap>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace duplex::client {
class HttpConnection;
}

namespace duplex::attack {

// Many HTTP requests at once: `count` requests, target(i) each, spread over a few
// keep-alive connections (each sends its share one after another), counted by the status
// of their answers (0: a transport error, or no answer before abort()).
class RequestFlood final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestFlood)

public:
    struct Config
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 0;
        QByteArray method = "GET";
        QByteArray body; // sent with every request; POST gets "x" when empty
        int count = 0;
        int connections = 32;
        int timeoutMs = 30000;
        std::function<QByteArray(int)> target;
    };

    explicit RequestFlood(Config config, QObject *parent = nullptr);
    ~RequestFlood() override;

    // Queues every request; finished() follows the last answer.
    void start();
    // Drops every connection; what was not answered counts as status 0. No finished().
    void abort();

    int answered() const { return m_answered; }
    int count() const { return m_config.count; }
    // Answers by status, the unanswered under 0 once aborted or finished.
    QMap<int, int> statuses() const { return m_statuses; }
    // "10000 x 200", "9000 x 200, 1000 x 503".
    QString describe() const;

signals:
    void finished();

private:
    Config m_config;
    std::vector<std::unique_ptr<client::HttpConnection>> m_connections;
    QMap<int, int> m_statuses;
    int m_answered = 0;
    bool m_done = false;
};

} // namespace duplex::attack
