#pragma once

#include "load/intermessageseries.h"
#include "protocol/transport.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

// The thesis's figures per iteration (message) as CSV: what `duplex-loadgen --csv` writes,
// `duplex-chart` and the panel draw, one row per iteration and transport.
namespace duplex::load {

// `iteration,transport,mean_inter_message_ms,mean_latency_ms,clients\n`
QByteArray csvHeader();
// One line per row under csvHeader(); a mean that does not exist is an empty field.
QByteArray csvRows(protocol::Transport transport, const QList<IterationRow> &rows);

// Reads back what csvHeader() and csvRows() wrote: the rows of each transport, in file
// order. A transport that is not one of protocol::Transport's names is an error.
struct CsvParse
{
    enum class Status { Ok, Bad };
    Status status = Status::Ok;
    QList<QPair<protocol::Transport, QList<IterationRow>>> transports; // in order of first appearance
    QString error;
};
CsvParse parseCsv(const QByteArray &text);

} // namespace duplex::load
