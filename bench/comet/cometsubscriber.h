#pragma once

#include "benchsubscriber.h"

#include "client/cometclient.h"

namespace duplex::bench {

// A bench subscriber on the Comet surface (`/xhr/subscribe` long-polling) through the
// core's CometClient, bound to its own source address so nginx's ip_hash spreads the
// subscribers over the Comet nodes.
class CometSubscriber final : public BenchSubscriber
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CometSubscriber)

public:
    CometSubscriber(client::CometClient::Options options, const Publication *publication, QObject *parent = nullptr);
    ~CometSubscriber() override;

    void open() override;
    qint64 polls() const override { return m_client->pollsCompleted(); }
    qint64 reconnects() const override { return m_client->reconnects(); }
    // Events a retried poll brought again, which the client dropped by seq.
    qint64 redeliveriesDropped() const override { return m_client->duplicatesDropped(); }

private:
    client::CometClient *m_client;
};

} // namespace duplex::bench
