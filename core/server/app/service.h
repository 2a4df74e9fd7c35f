#pragma once

#include "app/serveroptions.h"

#include <QJsonObject>
#include <QObject>

namespace duplex::app {

// One server process's job (broker, WebSocket node, static node...): start from parsed
// options, then say once whether it serves (`started`, with the READY line's fields) or
// not (`failed`, one line naming the cause). After `started`, `failed` means it lost
// something it cannot serve without (the broker link), and the process exits.
class Service : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    virtual void start(const app::ServerOptions &options) = 0;

signals:
    void started(const QJsonObject &readyInfo);
    void failed(const QString &reason);
};

} // namespace duplex::app
