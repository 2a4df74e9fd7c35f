#pragma once

#include <QtGlobal>

#include <cmath>

namespace duplex::bench {

// Mean and standard deviation of a stream of values without storing them (Welford's
// method, which stays accurate where sum-of-squares loses precision).
class RunningStats final
{
public:
    void add(double value)
    {
        ++m_count;
        const double delta = value - m_mean;
        m_mean += delta / double(m_count);
        m_m2 += delta * (value - m_mean);
    }

    qint64 count() const { return m_count; }
    // -1 when there are no values, as the reports mark what was not measured.
    double mean() const { return m_count > 0 ? m_mean : -1; }
    // Population standard deviation; -1 when there are no values.
    double stddev() const { return m_count > 0 ? std::sqrt(m_m2 / double(m_count)) : -1; }

private:
    qint64 m_count = 0;
    double m_mean = 0;
    double m_m2 = 0;
};

} // namespace duplex::bench
