#include "process/spawn.h"

#include <QProcess>

#include <sys/prctl.h>
#include <unistd.h>

namespace duplex::process {

void startInOwnGroup(QProcess *process, const QString &program, const QStringList &arguments, int deathSignal)
{
    const pid_t parent = ::getpid();
    process->setChildProcessModifier([parent, deathSignal] {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, deathSignal);
        if (::getppid() != parent)
            ::_exit(1);
    });
    process->start(program, arguments);
}

} // namespace duplex::process
