#pragma once

#include "control/logbuffer.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QPlainTextEdit;

namespace duplex::gui {

// Shows a LogBuffer with a source filter, "errors only" and a search field. Follows new
// lines while the user is at the bottom and stays put when they scrolled up to read.
class LogView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogView)

public:
    explicit LogView(control::LogBuffer *buffer, QWidget *parent = nullptr);

    QPlainTextEdit *textEdit() const { return m_text; }
    QComboBox *sourceCombo() const { return m_source; }
    QCheckBox *errorsOnlyBox() const { return m_errorsOnly; }
    QLineEdit *searchField() const { return m_search; }

    static QString format(const control::LogLine &line);

private:
    void handleLineAppended(const duplex::control::LogLine &line);
    void handleFilterChanged();
    void refreshSources();
    bool matches(const control::LogLine &line) const;
    QString selectedSource() const;

    control::LogBuffer *m_buffer;
    QComboBox *m_source;
    QCheckBox *m_errorsOnly;
    QLineEdit *m_search;
    QPlainTextEdit *m_text;
};

} // namespace duplex::gui
