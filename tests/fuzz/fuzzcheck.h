#pragma once

#include <cstdio>
#include <cstdlib>

// A broken invariant in a fuzz target: say which and abort, so libFuzzer saves the input
// as a crash (an abort is a finding, exactly like an ASan report).
#define FUZZ_CHECK(condition, what)                                                        \
    do {                                                                                   \
        if (!(condition)) {                                                                \
            std::fprintf(stderr, "fuzz check failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                         what, #condition);                                                \
            std::abort();                                                                  \
        }                                                                                  \
    } while (false)
