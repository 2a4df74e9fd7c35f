#include "panel/processtablemodel.h"

#include <QLocale>

namespace duplex::gui {

using control::NodeStatus;

ProcessTableModel::ProcessTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int ProcessTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_nodes.size());
}

int ProcessTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProcessTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_nodes.size())
        return {};
    const NodeStatus &node = m_nodes.at(index.row());
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Pid && index.column() != State ? int(Qt::AlignRight | Qt::AlignVCenter)
                                                                : int(Qt::AlignLeft | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Role:
        return util::roleName(node.role);
    case Name:
        return node.name;
    case Pid:
        return node.pid > 0 ? QVariant(node.pid) : QVariant(QStringLiteral("-"));
    case Port:
        return node.port > 0 ? QVariant(node.port) : QVariant(QStringLiteral("-"));
    case State:
        return process::stateName(node.state);
    case Connections:
        return QString::number(node.connections, 'f', 0);
    case EventsPerSecond:
        return QString::number(node.eventsPerSecond, 'f', 1);
    case Rss:
        return QLocale::system().formattedDataSize(node.residentBytes);
    case Cpu:
        return QString::number(node.cpuSeconds, 'f', 2);
    case Uptime: {
        if (node.uptimeMs <= 0)
            return QStringLiteral("-");
        const qint64 seconds = node.uptimeMs / 1000;
        return QStringLiteral("%1:%2:%3")
            .arg(seconds / 3600)
            .arg(seconds / 60 % 60, 2, 10, QLatin1Char('0'))
            .arg(seconds % 60, 2, 10, QLatin1Char('0'));
    }
    case Restarts:
        return node.restarts;
    default:
        return {};
    }
}

QVariant ProcessTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char *const titles[ColumnCount] = {
        QT_TR_NOOP("Role"), QT_TR_NOOP("Name"), QT_TR_NOOP("PID"), QT_TR_NOOP("Port"),
        QT_TR_NOOP("State"), QT_TR_NOOP("Connections"), QT_TR_NOOP("Events/s"),
        QT_TR_NOOP("RSS"), QT_TR_NOOP("CPU s"), QT_TR_NOOP("Uptime"), QT_TR_NOOP("Restarts")};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

NodeStatus ProcessTableModel::nodeAt(int row) const
{
    return row >= 0 && row < m_nodes.size() ? m_nodes.at(row) : NodeStatus{};
}

int ProcessTableModel::rowOf(const QString &name) const
{
    for (int i = 0; i < m_nodes.size(); ++i) {
        if (m_nodes.at(i).name == name)
            return i;
    }
    return -1;
}

void ProcessTableModel::handleStatsUpdated(const QList<NodeStatus> &nodes)
{
    // Same names in the same order (the usual tick): update in place so the selection and
    // the scroll position survive; otherwise the set changed and a reset is simplest.
    bool sameRows = nodes.size() == m_nodes.size();
    for (int i = 0; sameRows && i < nodes.size(); ++i)
        sameRows = nodes.at(i).name == m_nodes.at(i).name;
    if (sameRows) {
        m_nodes = nodes;
        if (!m_nodes.isEmpty())
            emit dataChanged(index(0, 0), index(int(m_nodes.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_nodes = nodes;
    endResetModel();
}

void ProcessTableModel::clear()
{
    beginResetModel();
    m_nodes.clear();
    endResetModel();
}

} // namespace duplex::gui
