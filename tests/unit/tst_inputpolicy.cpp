// Unit tests of core/base/protocol/inputpolicy.{h,cpp}: the nesting depth and UTF-8 checks
// every publish passes at the edge, fed bytes.
#include "protocol/inputpolicy.h"

#include <QtTest>

using namespace duplex::protocol;

class TestInputPolicy final : public QObject
{
    Q_OBJECT

private slots:
    void depth_data();
    void depth();
    void utf8_data();
    void utf8();
};

void TestInputPolicy::depth_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("stopAbove");
    QTest::addColumn<int>("expected");

    QTest::newRow("scalar") << QByteArray("42") << 32 << 0;
    QTest::newRow("empty") << QByteArray() << 32 << 0;
    QTest::newRow("flat-object") << QByteArray(R"({"a":1,"b":"x"})") << 32 << 1;
    QTest::newRow("siblings-do-not-add") << QByteArray("[[1],[2],[3]]") << 32 << 2;
    QTest::newRow("mixed") << QByteArray(R"({"a":[{"b":[]}]})") << 32 << 4;
    QTest::newRow("brackets-in-string") << QByteArray(R"(["[[[{{{"])") << 32 << 1;
    QTest::newRow("escaped-quote-in-string") << QByteArray(R"(["a\"[[[",[1]])") << 32 << 2;
    QTest::newRow("escaped-backslash-ends-string") << QByteArray(R"(["a\\",[[1]]])") << 32 << 3;
    QTest::newRow("unbalanced-closers") << QByteArray("]]]}}[1]") << 32 << 1;
    QTest::newRow("at-the-limit") << (QByteArray(32, '[') + QByteArray(32, ']')) << 32 << 32;
    // Past the limit it stops reading: the answer is only "more than stopAbove".
    QTest::newRow("stops-past-the-limit") << (QByteArray(5000, '[') + QByteArray(5000, ']')) << 32 << 33;
}

void TestInputPolicy::depth()
{
    QFETCH(QByteArray, json);
    QFETCH(int, stopAbove);
    QFETCH(int, expected);
    QCOMPARE(jsonNestingDepth(json, stopAbove), expected);
}

void TestInputPolicy::utf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");

    QTest::newRow("ascii") << QByteArray("hello") << true;
    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("two-byte") << QByteArray("\xc3\xa9") << true;                 // é
    QTest::newRow("three-byte") << QByteArray("\xe2\x82\xac") << true;           // €
    QTest::newRow("four-byte") << QByteArray("\xf0\x9f\x8e\x89") << true;        // 🎉
    QTest::newRow("last-code-point") << QByteArray("\xf4\x8f\xbf\xbf") << true;  // U+10FFFF
    QTest::newRow("nul-is-valid") << QByteArray("a\0b", 3) << true;
    QTest::newRow("lone-continuation") << QByteArray("\x80") << false;
    QTest::newRow("truncated-two") << QByteArray("\xc3") << false;
    QTest::newRow("truncated-four") << QByteArray("\xf0\x9f\x8e") << false;
    QTest::newRow("bad-continuation") << QByteArray("\xe2\x28\xa1") << false;
    QTest::newRow("overlong-c0") << QByteArray("\xc0\xaf") << false;
    QTest::newRow("overlong-c1") << QByteArray("\xc1\xbf") << false;
    QTest::newRow("overlong-e0") << QByteArray("\xe0\x80\xaf") << false;
    QTest::newRow("overlong-f0") << QByteArray("\xf0\x80\x80\xaf") << false;
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << false;
    QTest::newRow("above-max") << QByteArray("\xf4\x90\x80\x80") << false;
    QTest::newRow("f5") << QByteArray("\xf5\x80\x80\x80") << false;
    QTest::newRow("ff") << QByteArray("\xff") << false;
    QTest::newRow("latin1-e9") << QByteArray("caf\xe9") << false;
}

void TestInputPolicy::utf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes), valid);
}

QTEST_GUILESS_MAIN(TestInputPolicy)
#include "tst_inputpolicy.moc"
