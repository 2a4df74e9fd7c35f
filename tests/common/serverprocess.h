#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

// A real Duplex binary started for a test: waits for its READY line, keeps its output
// for failure messages, and is killed by PID when the test lets go of it.
class ServerProcess final
{
    Q_DISABLE_COPY_MOVE(ServerProcess)

public:
    ServerProcess() = default;
    ~ServerProcess();

    // Starts DUPLEX_BIN_DIR/<binary>; true once READY arrived within timeoutMs.
    bool start(const QString &binary, const QStringList &arguments,
               const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
               int timeoutMs = 10000);

    // Same, with the binary run under `wrapper` (a program and its arguments, such as
    // valgrind and its options); an empty wrapper runs the binary itself.
    bool startUnder(const QStringList &wrapper, const QString &binary, const QStringList &arguments,
                    const QProcessEnvironment &environment, int timeoutMs);
    QJsonObject ready() const { return m_ready; }
    quint16 port() const { return quint16(m_ready.value(QStringLiteral("port")).toInt()); }
    quint16 adminPort() const { return quint16(m_ready.value(QStringLiteral("admin")).toInt()); }
    qint64 pid() const { return m_process.processId(); }
    QProcess &process() { return m_process; }
    // Everything the process wrote so far, for QVERIFY2 messages.
    QString output();

    void kill();
    // Sends SIGTERM and waits for the exit; false when it did not exit in time.
    bool terminate(int timeoutMs = 5000);

private:
    QProcess m_process;
    QJsonObject m_ready;
    QByteArray m_stdout;
    QByteArray m_stderr;
};

// The environment a broker and its nodes share in tests.
QProcessEnvironment clusterEnvironment(const QByteArray &secret);

