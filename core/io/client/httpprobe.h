#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QObject>

#include <functional>

namespace duplex::control {

// One small HTTP/1.0 GET on loopback (health checks, /metrics), answered through a
// callback exactly once: with the status code and body, or status 0 when the server
// could not be reached or did not answer within the timeout.
class HttpProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpProbe)

public:
    using Callback = std::function<void(int status, const QByteArray &body)>;

    // The probe deletes itself after calling `done`; `context` going away cancels it.
    static void get(const QHostAddress &address, quint16 port, const QByteArray &path, int timeoutMs,
                    QObject *context, Callback done);

private:
    HttpProbe(Callback done, QObject *parent);
    void finish(int status, const QByteArray &body);

    Callback m_done;
    bool m_finished = false;
};

} // namespace duplex::control
