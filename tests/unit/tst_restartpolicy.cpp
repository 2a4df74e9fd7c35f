// control::RestartPolicy against an injected clock: the delay before a node that died is
// started again grows with each crash in a row, is capped, and starts over once the node
// had stayed up long enough.
#include "control/restartpolicy.h"

#include <QtTest>

using duplex::control::RestartPolicy;

class TestRestartPolicy : public QObject
{
    Q_OBJECT

private slots:
    void delays_data();
    void delays();
};

void TestRestartPolicy::delays_data()
{
    // One step per word: "u<ms>" the node came up (READY), "x<ms>" it died.
    QTest::addColumn<QString>("script");
    QTest::addColumn<QList<int>>("expected"); // the delay after each death

    QTest::newRow("first crash") << QStringLiteral("u0 x1000") << QList<int>{500};
    QTest::newRow("doubled per crash in a row, capped at 5 s")
        << QStringLiteral("u0 x100 u700 x800 u2000 x2100 u4200 x4300 u8400 x8500 u13600 x13700 u18800 x18900")
        << QList<int>{500, 1000, 2000, 4000, 5000, 5000, 5000};
    QTest::newRow("up more than 10 s: a first crash again")
        << QStringLiteral("u0 x100 u700 x800 u2000 x2100 u4200 x14201 u14800 x14900")
        << QList<int>{500, 1000, 2000, 500, 1000};
    QTest::newRow("up exactly 10 s: still in a row")
        << QStringLiteral("u0 x100 u700 x800 u2000 x12000") << QList<int>{500, 1000, 2000};
    // Up means READY since the last death: a node dying while it starts has not stayed up,
    // however long ago it last came up.
    QTest::newRow("never up: backs off all the same")
        << QStringLiteral("x20000 x20600 x21700 x23800") << QList<int>{500, 1000, 2000, 4000};
    QTest::newRow("dies while starting again, long after it came up")
        << QStringLiteral("u0 x20000 x20600 x21700 x43800") << QList<int>{500, 1000, 2000, 4000};
    QTest::newRow("up and down in the same ms") << QStringLiteral("u5 x5 u505 x505") << QList<int>{500, 1000};
}

void TestRestartPolicy::delays()
{
    QFETCH(QString, script);
    QFETCH(QList<int>, expected);

    RestartPolicy policy;
    QList<int> delays;
    for (const QString &step : script.split(QLatin1Char(' '))) {
        const qint64 ms = step.mid(1).toLongLong();
        if (step.startsWith(QLatin1Char('u')))
            policy.markUp(ms);
        else
            delays << policy.delayAfterExit(ms);
    }
    QCOMPARE(delays, expected);
}

QTEST_GUILESS_MAIN(TestRestartPolicy)
#include "tst_restartpolicy.moc"
