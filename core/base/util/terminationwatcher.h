#pragma once

#include <QObject>

class QSocketNotifier;

namespace duplex::util {

// Turns SIGINT and SIGTERM into a Qt signal delivered on the event loop, so a process
// can stop its children and flush before it exits. One instance per process.
class TerminationWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TerminationWatcher)

public:
    explicit TerminationWatcher(QObject *parent = nullptr);
    ~TerminationWatcher() override;

signals:
    void terminationRequested(int signalNumber);

private:
    void handleNotifier();

    QSocketNotifier *m_notifier = nullptr;
};

} // namespace duplex::util
