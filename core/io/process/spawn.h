#pragma once

#include <QString>
#include <QStringList>

#include <csignal>

class QProcess;

namespace duplex::process {

// Starts `process` running `program` as the leader of its own process group, so that a
// terminal's Ctrl-C reaches only this process (which stops its children in order) and a
// kill of the group reaches the child's own children too. The child is sent `deathSignal`
// when this process dies (PR_SET_PDEATHSIG), and exits at once if this process died
// before that was set: its parent is then init or a subreaper, so the check compares
// the parent's PID with this process's, never with 1.
void startInOwnGroup(QProcess *process, const QString &program, const QStringList &arguments,
                     int deathSignal = SIGKILL);

} // namespace duplex::process
