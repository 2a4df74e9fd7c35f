#pragma once

#include "load/intermessageseries.h"
#include "protocol/transport.h"

#include <QList>
#include <QPair>
#include <QString>

class QChart;

namespace duplex::gui {

// The thesis's figure: for each iteration (message), the mean time between consecutive
// received messages over the clients of a transport, one solid line per transport, with
// each transport's mean end-to-end latency dashed on a second axis.
class ThesisChart final
{
public:
    using Series = QList<QPair<protocol::Transport, QList<load::IterationRow>>>; // per transport

    // A new chart (the caller owns it) of `series`.
    static QChart *build(const Series &series, const QString &title);
    // Renders the chart at width x height into a PNG; needs a QApplication (offscreen is
    // fine). False with *error set when the file cannot be written.
    static bool renderPng(const Series &series, const QString &title, const QString &path, QString *error,
                          int width = 1280, int height = 720);
};

} // namespace duplex::gui
