#include "cometsubscriber.h"

#include "publication.h"

namespace duplex::bench {

CometSubscriber::CometSubscriber(client::CometClient::Options options, const Publication *publication, QObject *parent)
    : BenchSubscriber(publication, parent)
    , m_client(new client::CometClient(std::move(options), this))
{
    connect(m_client, &client::CometClient::welcomed, this,
            [this](const protocol::Event &welcome) { handleWelcome(welcome.node); });
    // One poll answer emits its events back to back: each gets its own clock reading, so
    // the parse of the whole answer counts in the latency of every event in it.
    connect(m_client, &client::CometClient::eventReceived, this,
            [this](const protocol::Event &event) { handleEvent(event, this->publication()->clock.nsecsElapsed()); });
    connect(m_client, &client::CometClient::gapReceived, this, [this](qint64, qint64) { countGap(); });
    connect(m_client, &client::CometClient::reconnecting, this, [this](int, const QString &reason) { noteProblem(reason); });
    // The client reports error events and refusals alike; only a refusal stops it.
    connect(m_client, &client::CometClient::errorOccurred, this, [this](const QString &message) {
        if (m_client->isRunning())
            countError();
        else
            fail(message);
    });
}

CometSubscriber::~CometSubscriber()
{
    m_client->disconnect(this);
    m_client->stop();
}

void CometSubscriber::open()
{
    m_client->start();
}

} // namespace duplex::bench
