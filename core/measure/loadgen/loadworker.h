#pragma once

#include "loadgen/loadoptions.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>

class QSocketNotifier;

namespace duplex::loadgen {

class SubscriberPool;

// One worker process of a split run (--worker i/K, started by a WorkerGroup): holds its
// share of the subscribers in a SubscriberPool, reads the parent's commands on stdin and
// answers with report lines (loadgen/workerprotocol.h). It does not publish.
class LoadWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadWorker)

public:
    explicit LoadWorker(LoadOptions options, QObject *parent = nullptr);
    ~LoadWorker() override;

    void start();

signals:
    // A line for the parent, to be written to stdout as is.
    void reported(const QByteArray &line);
    // The final report was written: exit 0.
    void finished();
    // The worker cannot go on (cluster unreachable, a bad command, the parent gone): the
    // reason is the last line on stderr, then exit 1.
    void failed(const QString &reason);

private:
    void handleInput();
    void handleCommand(const QByteArray &line);
    void fail(const QString &reason);

    LoadOptions m_options;
    SubscriberPool *m_pool;
    QSocketNotifier *m_input = nullptr;
    QByteArray m_buffer; // stdin bytes not yet a whole line
    QElapsedTimer m_clock;
    bool m_done = false;
};

} // namespace duplex::loadgen
