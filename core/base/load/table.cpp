#include "load/table.h"

#include <algorithm>

namespace duplex::load {

Table::Table(QList<Column> columns)
    : m_columns(std::move(columns))
{
}

void Table::addRow(QStringList cells)
{
    cells.resize(m_columns.size());
    m_rows << cells;
}

QString Table::toMarkdown() const
{
    QList<qsizetype> widths;
    for (qsizetype c = 0; c < m_columns.size(); ++c) {
        // The alignment row needs 3 characters ("--:").
        qsizetype width = std::max<qsizetype>(3, m_columns.at(c).header.size());
        for (const QStringList &row : m_rows)
            width = std::max(width, row.at(c).size());
        widths << width;
    }
    auto line = [this, &widths](const QStringList &cells) {
        QStringList padded;
        for (qsizetype c = 0; c < m_columns.size(); ++c) {
            const int width = int(widths.at(c));
            padded << (m_columns.at(c).align == Align::Left ? cells.at(c).leftJustified(width) : cells.at(c).rightJustified(width));
        }
        return QStringLiteral("| ") + padded.join(QStringLiteral(" | ")) + QStringLiteral(" |");
    };
    QStringList headers;
    QStringList rule;
    for (qsizetype c = 0; c < m_columns.size(); ++c) {
        headers << m_columns.at(c).header;
        const bool left = m_columns.at(c).align == Align::Left;
        rule << (left ? QString(widths.at(c), QLatin1Char('-')) : QString(widths.at(c) - 1, QLatin1Char('-')) + QLatin1Char(':'));
    }
    QStringList lines{line(headers), line(rule)};
    for (const QStringList &row : m_rows)
        lines << line(row);
    return lines.join(QLatin1Char('\n'));
}

} // namespace duplex::load
