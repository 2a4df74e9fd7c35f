#pragma once

#include <QByteArrayView>

namespace duplex::protocol {

// The one input policy a publish passes at the edge (the nodes, on every transport),
// checked once: past the edge the bus carries the accepted bytes and no hop parses them
// with a stricter rule. Size is the other half (`--max-message`, kDefaultMaxMessageBytes).

// How deep `data` may nest arrays and objects: far beyond what a message needs, and far
// below Qt's parser limit (1024), which a history reply, wrapping each event two levels
// deeper, must never reach.
inline constexpr int kMaxDataDepth = 32;

// The deepest nesting of arrays and objects in the JSON text `json` (0 for a scalar),
// reading at most until it passes `stopAbove`, so a hostile text costs no more than that;
// brackets inside strings do not count. The text need not be valid JSON.
int jsonNestingDepth(QByteArrayView json, int stopAbove);

// Whether `bytes` is well-formed UTF-8: no stray or missing continuation bytes, no
// overlong forms, no surrogates, nothing above U+10FFFF.
bool isValidUtf8(QByteArrayView bytes);

} // namespace duplex::protocol
