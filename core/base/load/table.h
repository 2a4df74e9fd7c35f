#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace duplex::load {

// A table of figures as Markdown, its columns padded so that it also reads in a terminal:
// every table the load generator and the benches print (the load summary, a bench run's
// report, the scale rows, the ratios) goes through here.
class Table final
{
public:
    enum class Align { Left, Right };
    struct Column
    {
        QString header;
        Align align = Align::Right;
    };

    explicit Table(QList<Column> columns);

    // One cell per column: missing cells are empty, extra ones are dropped.
    void addRow(QStringList cells);
    int rowCount() const { return int(m_rows.size()); }
    // The header, the alignment row and the rows, one line each, without a final newline.
    QString toMarkdown() const;

private:
    QList<Column> m_columns;
    QList<QStringList> m_rows;
};

} // namespace duplex::load
