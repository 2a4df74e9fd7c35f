#pragma once

#include "load/transportreport.h"

#include <QList>
#include <QString>

namespace duplex::load {

// The run's summary as a Markdown table (load::Table), one row per transport, for people
// reading stderr; a final newline.
QString summaryTable(const QList<TransportSummary> &transports);

} // namespace duplex::load
