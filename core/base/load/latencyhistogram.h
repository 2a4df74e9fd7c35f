#pragma once

#include <QJsonObject>
#include <QString>
#include <QtGlobal>

#include <vector>

namespace duplex::load {

struct LatencyHistogramParse;

// Microsecond values (latencies, intervals) in log-linear buckets: exact below 128 µs,
// then each [2^k, 2^(k+1)) split into 128 equal sub-buckets, so any value is known within
// 1/128 of itself and a histogram takes at most ~26 KB, however many values it holds.
// Histograms of worker processes merge exactly (same buckets), which sorted samples do not.
class LatencyHistogram final
{
public:
    // Values above this (one hour) are counted in the top bucket; min, max and mean
    // still use the true value.
    static constexpr qint64 kMaxTrackedUs = qint64(3600) * 1000 * 1000;
    static constexpr int kSubBuckets = 128;

    // Counts one value; negative values (clock skew between hosts) count as 0.
    void record(qint64 us);
    // Adds everything `other` counted, as if it had all been recorded here.
    void merge(const LatencyHistogram &other);
    void clear();

    qint64 count() const { return m_count; }
    bool isEmpty() const { return m_count == 0; }
    // Exact smallest and largest values recorded; 0 when empty.
    qint64 min() const { return m_count ? m_min : 0; }
    qint64 max() const { return m_count ? m_max : 0; }
    // Exact mean of the values recorded; 0 when empty.
    double mean() const;
    qint64 sum() const { return m_sum; }

    // The nearest-rank percentile (the value of rank ceil(p/100 * count) in sorted order),
    // within 1/256 of the true value below kMaxTrackedUs; p <= 0 gives the exact min,
    // p >= 100 the exact max, an empty histogram 0.
    qint64 percentile(double p) const;
    // How many recorded values lie below `us` (to bucket precision: whole buckets below
    // the one holding `us`), for charts that bin the distribution.
    qint64 countBelow(qint64 us) const;

    // Compact form for worker-to-parent reports: only the non-empty buckets.
    // `{"n":count,"sum":..,"min":..,"max":..,"sub":128,"b":[index,count,index,count,...]}`
    QJsonObject toJson() const;
    static LatencyHistogramParse fromJson(const QJsonObject &json);

    bool operator==(const LatencyHistogram &other) const;
    bool operator!=(const LatencyHistogram &other) const { return !(*this == other); }

    // Bucket layout, public so tests and readers of toJson() can reason about it.
    static int bucketCount();
    static int bucketIndex(qint64 us);
    static qint64 bucketLow(int index);
    static qint64 bucketWidth(int index);

private:
    int firstNonEmpty() const;
    int lastNonEmpty() const;

    // Empty until the first value, so idle histograms (a transport with no traffic in an
    // interval) cost nothing.
    std::vector<qint64> m_counts;
    qint64 m_count = 0;
    qint64 m_sum = 0;
    qint64 m_min = 0;
    qint64 m_max = 0;
};

struct LatencyHistogramParse
{
    enum class Status { Ok, Bad };
    Status status = Status::Ok;
    LatencyHistogram histogram;
    QString error;
};

} // namespace duplex::load
