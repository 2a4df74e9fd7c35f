#include "node/cometreply.h"

#include "http/httpservice.h"
#include "protocol/event.h"

namespace duplex::node {

void cometReply(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status, const QByteArray &json,
                const CometHeaders &extraHeaders)
{
    CometHeaders headers = extraHeaders;
    headers.append(qMakePair(QByteArray("Cache-Control"), QByteArray("no-store")));
    http::reply(responder, status, "application/json", json, headers);
}

void cometReplyError(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status, const QString &code,
                     const QString &message, const CometHeaders &extraHeaders)
{
    cometReply(responder, status, protocol::Event::error(code, message).toJson(), extraHeaders);
}

} // namespace duplex::node
