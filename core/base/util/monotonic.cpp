#include "util/monotonic.h"

#include <QDeadlineTimer>

namespace duplex::util {

qint64 monotonicMs()
{
    return QDeadlineTimer::current().deadline();
}

} // namespace duplex::util
