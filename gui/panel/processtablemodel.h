#pragma once

#include "control/cluster.h"

#include <QAbstractTableModel>

namespace duplex::gui {

// The cluster's process table as Cluster::statsUpdated reports it; one row per process.
class ProcessTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProcessTableModel)

public:
    enum Column { Role, Name, Pid, Port, State, Connections, EventsPerSecond, Rss, Cpu, Uptime, Restarts, ColumnCount };

    explicit ProcessTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const QList<control::NodeStatus> &nodes() const { return m_nodes; }
    control::NodeStatus nodeAt(int row) const;
    int rowOf(const QString &name) const;

    void handleStatsUpdated(const QList<duplex::control::NodeStatus> &nodes);
    void clear();

private:
    QList<control::NodeStatus> m_nodes;
};

} // namespace duplex::gui
