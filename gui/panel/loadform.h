#pragma once

#include "load/intervaljson.h"
#include "load/summaryjson.h"
#include "loadgen/loadoptions.h"

#include <QWidget>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace duplex::gui {

// The load generator's form: what to run, Start/Stop, and what the run reports so far.
// It only edits options and shows figures; LoadPanel runs the generator.
class LoadForm final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadForm)

public:
    explicit LoadForm(QWidget *parent = nullptr);

    // The form's options (the port is the caller's: the running cluster's).
    loadgen::LoadOptions options() const;
    void setOptions(const loadgen::LoadOptions &options);
    void applyThesisPreset();

    void setRunning(bool running);
    void setStartEnabled(bool enabled);
    void resetCounters();
    void showInterval(const duplex::load::IntervalParse &interval);
    void showSummary(const duplex::load::SummaryParse &summary);

    void saveSettings() const;
    void restoreSettings();

    QPushButton *startButton() const { return m_start; }
    QPushButton *stopButton() const { return m_stop; }
    QProgressBar *progressBar() const { return m_progress; }
    QString countersText() const;

signals:
    void startRequested();
    void stopRequested();

private:
    QCheckBox *m_ws;
    QCheckBox *m_comet;
    QSpinBox *m_clients;
    QSpinBox *m_publishers;
    QDoubleSpinBox *m_rate;
    QSpinBox *m_size;
    QSpinBox *m_messages;
    QDoubleSpinBox *m_duration;
    QSpinBox *m_procs;
    QCheckBox *m_spread;
    QPushButton *m_preset;
    QPushButton *m_start;
    QPushButton *m_stop;
    QProgressBar *m_progress;
    QLabel *m_connected;
    QLabel *m_delivered;
    QLabel *m_lost;
    QLabel *m_reconnects;
    bool m_running = false;
    bool m_startEnabled = false;
    qint64 m_receivedSoFar = 0;
    qint64 m_reconnectsSoFar = 0;
    qint64 m_expected = 0;
};

} // namespace duplex::gui
