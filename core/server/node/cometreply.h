#pragma once

#include <QByteArray>
#include <QHttpServerResponder>
#include <QList>
#include <QPair>
#include <QString>

// How a Comet node answers, polls and publishes alike: every answer, errors included, is
// JSON that no cache may keep.
namespace duplex::node {

using CometHeaders = QList<QPair<QByteArray, QByteArray>>;

void cometReply(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status, const QByteArray &json,
                const CometHeaders &extraHeaders = {});

// An error event of the contract (`code`, `message`) as the body.
void cometReplyError(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status, const QString &code,
                     const QString &message, const CometHeaders &extraHeaders = {});

} // namespace duplex::node
