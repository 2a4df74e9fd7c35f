#include "panel/loadform.h"

#include "protocol/transport.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace duplex::gui {

namespace {

QSpinBox *spinBox(int min, int max, const QString &tip, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setToolTip(tip);
    return box;
}

} // namespace

LoadForm::LoadForm(QWidget *parent)
    : QWidget(parent)
    , m_ws(new QCheckBox(tr("WebSocket"), this))
    , m_comet(new QCheckBox(tr("Comet"), this))
    , m_clients(spinBox(1, 20000, tr("Subscribers per transport"), this))
    , m_publishers(spinBox(1, 1000, tr("Publishers (they share the rate)"), this))
    , m_rate(new QDoubleSpinBox(this))
    , m_size(spinBox(16, 1 << 20, tr("Characters per message (at least 16: the header)"), this))
    , m_messages(spinBox(0, 100000000, tr("Messages to publish; 0: publish for the duration instead"), this))
    , m_duration(new QDoubleSpinBox(this))
    , m_procs(spinBox(1, 64, tr("Processes holding the subscribers"), this))
    , m_spread(new QCheckBox(tr("Spread sources"), this))
    , m_preset(new QPushButton(tr("Thesis preset"), this))
    , m_start(new QPushButton(tr("Start load"), this))
    , m_stop(new QPushButton(tr("Stop load"), this))
    , m_progress(new QProgressBar(this))
    , m_connected(new QLabel(this))
    , m_delivered(new QLabel(this))
    , m_lost(new QLabel(this))
    , m_reconnects(new QLabel(this))
{
    m_ws->setToolTip(tr("Subscribers over WebSocket (/ws/)"));
    m_comet->setToolTip(tr("Subscribers over Comet long-polling (/xhr/)"));
    m_rate->setRange(0.1, 1000000);
    m_rate->setDecimals(1);
    m_rate->setToolTip(tr("Messages per second, all publishers together"));
    m_spread->setToolTip(tr("Comet clients bind 127.0.N.1 so nginx's ip_hash spreads them over the nodes"));
    m_preset->setToolTip(tr("The thesis's experiment: 100 clients per transport, 100 messages of "
                            "16 characters at 200/s, both transports, spread sources"));
    m_start->setToolTip(tr("Run duplex-loadgen against the running cluster"));
    m_stop->setToolTip(tr("End the run early; the generator still reports its summary"));
    m_progress->setToolTip(tr("Messages delivered of those expected (every subscriber, every message)"));

    auto *transports = new QHBoxLayout;
    transports->addWidget(m_ws);
    transports->addWidget(m_comet);
    transports->addStretch();
    auto *form = new QFormLayout;
    form->addRow(tr("Transports"), transports);
    form->addRow(tr("Clients"), m_clients);
    form->addRow(tr("Publishers"), m_publishers);
    form->addRow(tr("Rate (msg/s)"), m_rate);
    form->addRow(tr("Size (chars)"), m_size);
    form->addRow(tr("Messages"), m_messages);
    // 0 messages means "for a duration", the generator's --duration.
    m_messages->setSpecialValueText(tr("by duration"));
    m_duration->setRange(0.1, 86400);
    m_duration->setDecimals(1);
    m_duration->setSuffix(tr(" s"));
    m_duration->setValue(10);
    m_duration->setToolTip(tr("Seconds of publishing, when Messages is 0"));
    m_duration->setEnabled(false);
    connect(m_messages, &QSpinBox::valueChanged, m_duration, [this](int value) { m_duration->setEnabled(value == 0); });
    form->addRow(tr("Duration"), m_duration);
    form->addRow(tr("Processes"), m_procs);
    form->addRow(QString(), m_spread);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_preset);
    buttons->addStretch();
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);

    auto *counters = new QGridLayout;
    counters->addWidget(new QLabel(tr("Connected"), this), 0, 0);
    counters->addWidget(m_connected, 0, 1);
    counters->addWidget(new QLabel(tr("Delivered"), this), 1, 0);
    counters->addWidget(m_delivered, 1, 1);
    counters->addWidget(new QLabel(tr("Lost"), this), 2, 0);
    counters->addWidget(m_lost, 2, 1);
    counters->addWidget(new QLabel(tr("Reconnects"), this), 3, 0);
    counters->addWidget(m_reconnects, 3, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addLayout(counters);
    layout->addStretch();

    connect(m_preset, &QPushButton::clicked, this, &LoadForm::applyThesisPreset);
    connect(m_start, &QPushButton::clicked, this, &LoadForm::startRequested);
    connect(m_stop, &QPushButton::clicked, this, &LoadForm::stopRequested);

    loadgen::LoadOptions defaults;
    defaults.messages = 1000;
    setOptions(defaults);
    resetCounters();
    setRunning(false);
}

loadgen::LoadOptions LoadForm::options() const
{
    loadgen::LoadOptions options;
    options.transports.clear();
    if (m_ws->isChecked())
        options.transports << protocol::Transport::WebSocket;
    if (m_comet->isChecked())
        options.transports << protocol::Transport::Comet;
    options.clients = m_clients->value();
    options.publishers = m_publishers->value();
    options.rate = m_rate->value();
    options.size = m_size->value();
    options.messages = m_messages->value();
    options.durationSeconds = m_duration->value();
    options.procs = m_procs->value();
    options.spreadSources = m_spread->isChecked();
    return options;
}

void LoadForm::setOptions(const loadgen::LoadOptions &options)
{
    m_ws->setChecked(options.transports.contains(protocol::Transport::WebSocket));
    m_comet->setChecked(options.transports.contains(protocol::Transport::Comet));
    m_clients->setValue(options.clients);
    m_publishers->setValue(options.publishers);
    m_rate->setValue(options.rate);
    m_size->setValue(options.size);
    m_messages->setValue(int(std::min<qint64>(options.messages, m_messages->maximum())));
    m_duration->setValue(options.durationSeconds);
    m_procs->setValue(options.procs);
    m_spread->setChecked(options.spreadSources);
}

void LoadForm::applyThesisPreset()
{
    loadgen::LoadOptions options;
    options.transports = {protocol::Transport::WebSocket, protocol::Transport::Comet};
    options.clients = 100;
    options.messages = 100;
    options.size = 16;
    options.rate = 200;
    options.spreadSources = true;
    setOptions(options);
}

void LoadForm::setRunning(bool running)
{
    m_running = running;
    m_start->setEnabled(!running && m_startEnabled);
    m_stop->setEnabled(running);
}

void LoadForm::setStartEnabled(bool enabled)
{
    m_startEnabled = enabled;
    setRunning(m_running);
}

void LoadForm::resetCounters()
{
    m_receivedSoFar = 0;
    m_reconnectsSoFar = 0;
    const loadgen::LoadOptions o = options();
    // By duration: as many messages as the rate publishes in it.
    const qint64 messages = o.messages > 0 ? o.messages : qint64(std::llround(o.durationSeconds * o.rate));
    m_expected = qint64(o.clients) * o.transports.size() * messages;
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_connected->setText(QStringLiteral("0"));
    m_delivered->setText(QStringLiteral("0"));
    m_lost->setText(QStringLiteral("-"));
    m_reconnects->setText(QStringLiteral("0"));
}

void LoadForm::showInterval(const load::IntervalParse &interval)
{
    int connected = 0;
    for (const load::ParsedTransportInterval &t : interval.transports) {
        connected += t.interval.connected;
        m_receivedSoFar += t.interval.received;
        m_reconnectsSoFar += t.interval.reconnects;
    }
    m_connected->setText(QString::number(connected));
    m_delivered->setText(QString::number(m_receivedSoFar));
    m_reconnects->setText(QString::number(m_reconnectsSoFar));
    if (m_expected > 0)
        m_progress->setValue(int(std::min<qint64>(1000, m_receivedSoFar * 1000 / m_expected)));
}

void LoadForm::showSummary(const load::SummaryParse &summary)
{
    qint64 delivered = 0, expected = 0, lost = 0, reconnects = 0;
    for (const load::ParsedTransportSummary &t : summary.transports) {
        delivered += t.summary.delivered;
        expected += t.summary.expected;
        lost += t.summary.lost;
        reconnects += t.summary.reconnects;
    }
    m_delivered->setText(tr("%1 of %2").arg(delivered).arg(expected));
    m_lost->setText(QString::number(lost));
    m_reconnects->setText(QString::number(reconnects));
    m_progress->setValue(expected > 0 ? int(delivered * 1000 / expected) : 1000);
}

QString LoadForm::countersText() const
{
    return QStringLiteral("connected=%1 delivered=%2 lost=%3 reconnects=%4")
        .arg(m_connected->text(), m_delivered->text(), m_lost->text(), m_reconnects->text());
}

void LoadForm::saveSettings() const
{
    const loadgen::LoadOptions o = options();
    QSettings settings;
    settings.beginGroup(QStringLiteral("load"));
    QStringList transports;
    for (const protocol::Transport transport : o.transports)
        transports << protocol::transportName(transport);
    settings.setValue(QStringLiteral("transports"), transports);
    settings.setValue(QStringLiteral("clients"), o.clients);
    settings.setValue(QStringLiteral("publishers"), o.publishers);
    settings.setValue(QStringLiteral("rate"), o.rate);
    settings.setValue(QStringLiteral("size"), o.size);
    settings.setValue(QStringLiteral("messages"), o.messages);
    settings.setValue(QStringLiteral("duration"), o.durationSeconds);
    settings.setValue(QStringLiteral("procs"), o.procs);
    settings.setValue(QStringLiteral("spreadSources"), o.spreadSources);
}

void LoadForm::restoreSettings()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("load"));
    if (!settings.contains(QStringLiteral("clients")))
        return;
    loadgen::LoadOptions o = options();
    // Names, so a settings file stays readable; one that names no transport keeps the form's.
    QList<protocol::Transport> transports;
    for (const QString &name : settings.value(QStringLiteral("transports")).toStringList()) {
        if (const std::optional<protocol::Transport> transport = protocol::transportFromName(name))
            transports << *transport;
    }
    if (!transports.isEmpty())
        o.transports = transports;
    o.clients = settings.value(QStringLiteral("clients"), o.clients).toInt();
    o.publishers = settings.value(QStringLiteral("publishers"), o.publishers).toInt();
    o.rate = settings.value(QStringLiteral("rate"), o.rate).toDouble();
    o.size = settings.value(QStringLiteral("size"), o.size).toInt();
    o.messages = settings.value(QStringLiteral("messages"), o.messages).toLongLong();
    o.durationSeconds = settings.value(QStringLiteral("duration"), o.durationSeconds).toDouble();
    o.procs = settings.value(QStringLiteral("procs"), o.procs).toInt();
    o.spreadSources = settings.value(QStringLiteral("spreadSources"), o.spreadSources).toBool();
    setOptions(o);
}

} // namespace duplex::gui
