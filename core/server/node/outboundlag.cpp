#include "node/outboundlag.h"

namespace duplex::node {

void OutboundLag::record(qint64 nowMs, quint64 written, qint64 unsent)
{
    // Samples whose bytes are all written say nothing more about the reader.
    while (!m_samples.empty() && m_samples.front().queuedTotal <= written)
        m_samples.pop_front();
    if (unsent <= 0) {
        m_samples.clear();
        return;
    }
    const quint64 queuedTotal = written + quint64(unsent);
    if (!m_samples.empty() && queuedTotal <= m_samples.back().queuedTotal)
        return; // nothing queued since the last sample
    if (int(m_samples.size()) >= kMaxSamples) {
        m_samples.back().queuedTotal = queuedTotal;
        return;
    }
    m_samples.push_back({nowMs, queuedTotal});
}

qint64 OutboundLag::lagMs(qint64 nowMs) const
{
    return m_samples.empty() ? 0 : nowMs - m_samples.front().timeMs;
}

} // namespace duplex::node
