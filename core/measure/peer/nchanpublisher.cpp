#include "peer/nchanpublisher.h"

#include "client/httpconnection.h"

#include <QPointer>
#include <QUrl>

namespace duplex::peer {

NchanPublisher::NchanPublisher(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_target(m_options.path.toUtf8() + "?channel=" + QUrl::toPercentEncoding(m_options.channel))
    , m_connection(new client::HttpConnection(m_options.host, m_options.port, m_options.source, this))
{
}

NchanPublisher::~NchanPublisher() = default;

int NchanPublisher::pendingPublishes() const
{
    return m_connection->pendingRequests();
}

void NchanPublisher::publish(const QString &text)
{
    // HttpConnection answers in request order, which keeps the signals in call order.
    const QPointer<NchanPublisher> self(this);
    m_connection->request("POST", m_target, text.toUtf8(), m_options.contentType, m_options.requestTimeoutMs,
                          [self](const client::HttpResult &result) {
                              if (self)
                                  self->handleResult(result);
                          });
}

void NchanPublisher::abort()
{
    m_connection->abort();
}

void NchanPublisher::handleResult(const client::HttpResult &result)
{
    if (result.status == 201 || result.status == 202) {
        emit published();
        return;
    }
    if (result.status == 0) {
        emit publishFailed(result.error);
        return;
    }
    emit publishFailed(QStringLiteral("HTTP %1: %2").arg(result.status).arg(QString::fromUtf8(result.body.left(200)).trimmed()));
}

} // namespace duplex::peer
