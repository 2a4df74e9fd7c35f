#pragma once

#include <QFile>
#include <QtTest>

// A test that needs a program from outside the build (nginx, the nchan module) skips where
// it is missing, so that a developer without it can still run the rest. ./test.sh, and so
// CI, sets DUPLEX_TEST_REQUIRE_ALL=1: there a missing one fails the test instead of letting
// a skip count as a pass.
namespace duplex::test {
inline bool everythingRequired()
{
    return qEnvironmentVariableIntValue("DUPLEX_TEST_REQUIRE_ALL") != 0;
}
} // namespace duplex::test

// Skips (or, with DUPLEX_TEST_REQUIRE_ALL=1, fails) the current test unless `path` exists;
// `package` names the Debian package that provides it.
#define DUPLEX_NEEDS_FILE(path, package)                                                             \
    do {                                                                                             \
        if (!QFile::exists(path)) {                                                                  \
            const QByteArray message = QStringLiteral("%1 is missing: scripts/setup.sh installs %2") \
                                           .arg(path, QStringLiteral(package)).toLocal8Bit();        \
            if (duplex::test::everythingRequired())                                                  \
                QFAIL(message.constData());                                                          \
            QSKIP(message.constData());                                                              \
        }                                                                                            \
    } while (false)
