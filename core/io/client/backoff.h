#pragma once

namespace duplex::client {

// The delay before retry number `attempt` (1 for the first), in ms: a step that doubles from
// minMs up to maxMs, with "equal jitter" (half the step fixed, half random) so clients cut
// off by the same node failure do not all come back in one burst, the first retry
// included (it lies between minMs/2 and minMs).
int backoffDelayMs(int attempt, int minMs, int maxMs);

} // namespace duplex::client
