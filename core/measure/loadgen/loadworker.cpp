#include "loadgen/loadworker.h"

#include "loadgen/subscriberpool.h"
#include "loadgen/workerprotocol.h"
#include "util/procstats.h"

#include <QSocketNotifier>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace duplex::loadgen {

namespace {
// A parent's command line is short except for the tallies of failed publishes; a line
// longer than this is not the parent talking.
constexpr qsizetype kMaxCommandBytes = 64 * 1024 * 1024;
constexpr qsizetype kReadChunk = 64 * 1024;
} // namespace

LoadWorker::LoadWorker(LoadOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_pool(new SubscriberPool(m_options, m_options.worker, m_options.procs, this))
{
    connect(m_pool, &SubscriberPool::allConnected, this, [this] {
        // The parent publishes only after every worker said this, so from here on the
        // payloads on the channel are this run's.
        m_pool->acceptPublishers(m_options.publishers);
        emit reported(connectedReport(m_options.worker, m_pool->size()));
    });
    connect(m_pool, &SubscriberPool::drained, this, [this] { emit reported(drainedReport(m_options.worker)); });
    connect(m_pool, &SubscriberPool::failed, this, &LoadWorker::fail);
}

LoadWorker::~LoadWorker() = default;

void LoadWorker::start()
{
    m_clock.start();
    // stdin is the parent's pipe and nobody else's: non-blocking reads keep the event
    // loop free.
    ::fcntl(STDIN_FILENO, F_SETFL, ::fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
    m_input = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_input, &QSocketNotifier::activated, this, &LoadWorker::handleInput);
    m_pool->start();
}

void LoadWorker::handleInput()
{
    char chunk[kReadChunk];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            fail(QStringLiteral("cannot read the parent's commands: %1").arg(QString::fromLocal8Bit(strerror(errno))));
        return;
    }
    if (n == 0) {
        // The parent closed the pipe without saying "finish": it is gone or gave up.
        fail(QStringLiteral("the parent closed its command pipe"));
        return;
    }
    m_buffer.append(chunk, qsizetype(n));
    // Bounded: each pass removes one line from the buffer.
    for (qsizetype end = m_buffer.indexOf('\n'); end >= 0 && !m_done; end = m_buffer.indexOf('\n')) {
        const QByteArray line = m_buffer.left(end);
        m_buffer.remove(0, end + 1);
        handleCommand(line);
    }
    if (m_buffer.size() > kMaxCommandBytes)
        fail(QStringLiteral("a command line of more than %1 bytes").arg(kMaxCommandBytes));
}

void LoadWorker::handleCommand(const QByteArray &line)
{
    const WorkerCommand command = parseWorkerCommand(line);
    if (command.status != WorkerCommand::Status::Ok) {
        fail(QStringLiteral("bad command from the parent: %1").arg(command.error));
        return;
    }
    if (command.kind != WorkerCommand::Kind::Tick && int(command.tallies.size()) != m_options.publishers) {
        fail(QStringLiteral("the parent's tallies are for %1 publishers, not %2").arg(command.tallies.size()).arg(m_options.publishers));
        return;
    }
    switch (command.kind) {
    case WorkerCommand::Kind::Tick:
        emit reported(tickReport(m_options.worker, command.tick, m_pool->welcomed(), m_clock.elapsed(), m_pool->takeInterval()));
        break;
    case WorkerCommand::Kind::Expect:
        m_pool->setDrainTarget(command.tallies);
        break;
    case WorkerCommand::Kind::Finish: {
        emit reported(tickReport(m_options.worker, command.tick, m_pool->welcomed(), m_clock.elapsed(), m_pool->takeInterval()));
        SubscriberResult result = m_pool->result(command.tallies);
        // The whole process serves the run, so all of its CPU counts.
        const double cpuSeconds = std::max<qint64>(0, util::cpuTimeMicros()) / 1e6;
        for (load::TransportSummary &s : result.summaries)
            s.clientCpuSeconds = cpuSeconds;
        m_pool->stop();
        m_done = true;
        emit reported(finalReport(m_options.worker, m_clock.elapsed(), result));
        emit finished();
        break;
    }
    }
}

void LoadWorker::fail(const QString &reason)
{
    if (m_done)
        return;
    m_done = true;
    m_pool->stop();
    if (m_input)
        m_input->setEnabled(false);
    emit failed(reason);
}

} // namespace duplex::loadgen
