// tests/common/needs.h: a test whose outside program is missing skips, or fails where
// DUPLEX_TEST_REQUIRE_ALL=1 (as ./test.sh and CI run). ctest runs this program both ways
// and reads its output: skipped without the variable, failed naming the package with it.
#include "needs.h"

#include <QCoreApplication>
#include <QtTest>

class TestNeeds : public QObject
{
    Q_OBJECT

private slots:
    void presentFileLetsTheTestRun();
    void missingFileStopsTheTest();
};

void TestNeeds::presentFileLetsTheTestRun()
{
    bool ran = false;
    [&] {
        DUPLEX_NEEDS_FILE(QCoreApplication::applicationFilePath(), "duplex");
        ran = true;
    }();
    QVERIFY(ran);
}

void TestNeeds::missingFileStopsTheTest()
{
    DUPLEX_NEEDS_FILE(QStringLiteral("/nonexistent/duplex-needs-probe"), "no-such-package");
    QFAIL("the test went on past a missing file");
}

QTEST_GUILESS_MAIN(TestNeeds)
#include "tst_needs.moc"
