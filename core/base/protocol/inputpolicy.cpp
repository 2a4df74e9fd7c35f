#include "protocol/inputpolicy.h"

#include "protocol/jsonbrackets.h"

namespace duplex::protocol {

int jsonNestingDepth(QByteArrayView json, int stopAbove)
{
    JsonBrackets brackets;
    int deepest = 0;
    for (const char c : json) {
        const int depth = brackets.step(c);
        if (depth > deepest) {
            deepest = depth;
            if (deepest > stopAbove)
                return deepest;
        }
    }
    return deepest;
}

bool isValidUtf8(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and
        // code points above U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
        unsigned char low = 0x80;
        unsigned char high = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            length = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            length = 3;
            if (c == 0xe0)
                low = 0xa0;
            else if (c == 0xed)
                high = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            length = 4;
            if (c == 0xf0)
                low = 0x90;
            else if (c == 0xf4)
                high = 0x8f;
        } else {
            return false;
        }
        if (i + length > n)
            return false;
        if (p[i + 1] < low || p[i + 1] > high)
            return false;
        for (int k = 2; k < length; ++k) {
            if (p[i + k] < 0x80 || p[i + k] > 0xbf)
                return false;
        }
        i += length;
    }
    return true;
}

} // namespace duplex::protocol
