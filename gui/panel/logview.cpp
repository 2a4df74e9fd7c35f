#include "panel/logview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

namespace duplex::gui {

namespace {
// The widget keeps no more than the buffer would show anyway: bounded memory over hours.
constexpr int kMaxBlocks = 10000;
} // namespace

LogView::LogView(control::LogBuffer *buffer, QWidget *parent)
    : QWidget(parent)
    , m_buffer(buffer)
    , m_source(new QComboBox(this))
    , m_errorsOnly(new QCheckBox(tr("Errors only"), this))
    , m_search(new QLineEdit(this))
    , m_text(new QPlainTextEdit(this))
{
    m_source->addItem(tr("All sources"), QString());
    m_source->setToolTip(tr("Show the output of one process only"));
    m_source->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_errorsOnly->setToolTip(tr("stderr lines and lines that read like errors or warnings"));
    m_search->setPlaceholderText(tr("Search"));
    m_search->setClearButtonEnabled(true);
    m_search->setToolTip(tr("Case-insensitive text filter"));
    m_text->setReadOnly(true);
    m_text->setMaximumBlockCount(kMaxBlocks);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFont(QStringLiteral("monospace")));

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Source"), this));
    filters->addWidget(m_source);
    filters->addWidget(m_errorsOnly);
    filters->addWidget(m_search, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filters);
    layout->addWidget(m_text);

    connect(m_buffer, &control::LogBuffer::lineAppended, this, &LogView::handleLineAppended);
    connect(m_source, &QComboBox::currentIndexChanged, this, &LogView::handleFilterChanged);
    connect(m_errorsOnly, &QCheckBox::toggled, this, &LogView::handleFilterChanged);
    connect(m_search, &QLineEdit::textChanged, this, &LogView::handleFilterChanged);
    refreshSources();
    handleFilterChanged();
}

QString LogView::format(const control::LogLine &line)
{
    return QStringLiteral("%1 %2%3 %4")
        .arg(QDateTime::fromMSecsSinceEpoch(line.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")),
             line.source, line.isError ? QStringLiteral("!") : QStringLiteral(":"), line.text);
}

QString LogView::selectedSource() const
{
    return m_source->currentData().toString();
}

bool LogView::matches(const control::LogLine &line) const
{
    const QString source = selectedSource();
    if (!source.isEmpty() && line.source != source)
        return false;
    if (m_errorsOnly->isChecked() && !control::looksLikeError(line))
        return false;
    const QString search = m_search->text();
    return search.isEmpty() || line.text.contains(search, Qt::CaseInsensitive);
}

void LogView::refreshSources()
{
    const QStringList sources = m_buffer->sources();
    for (const QString &source : sources) {
        if (m_source->findData(source) < 0)
            m_source->addItem(source, source);
    }
}

void LogView::handleLineAppended(const control::LogLine &line)
{
    if (m_source->findData(line.source) < 0)
        m_source->addItem(line.source, line.source);
    if (!matches(line))
        return;
    // Follow only when the user is at the bottom: reading older lines must not be
    // interrupted by a chatty process.
    QScrollBar *bar = m_text->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 2;
    const int kept = bar->value();
    m_text->appendPlainText(format(line));
    if (atBottom)
        bar->setValue(bar->maximum());
    else
        bar->setValue(kept);
}

void LogView::handleFilterChanged()
{
    const QList<control::LogLine> lines = m_buffer->lines(selectedSource(), m_errorsOnly->isChecked(), m_search->text());
    QStringList text;
    text.reserve(lines.size());
    for (const control::LogLine &line : lines)
        text << format(line);
    m_text->setPlainText(text.join(QLatin1Char('\n')));
    m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

} // namespace duplex::gui
