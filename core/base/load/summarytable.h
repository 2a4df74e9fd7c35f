#pragma once

#include "load/transportreport.h"

#include <QList>
#include <QString>

namespace duplex::load {

// The run's summary as an aligned table, one row per transport, for people reading stderr.
QString summaryTable(const QList<TransportSummary> &transports);

} // namespace duplex::load
