#include "load/latencyhistogram.h"

#include "util/jsonnumber.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace duplex::load {

namespace {

// log2(kSubBuckets): values below kSubBuckets get one bucket each.
constexpr int kSubBits = 7;
static_assert((1 << kSubBits) == LatencyHistogram::kSubBuckets);

int floorLog2(quint64 v)
{
    int k = 0;
    while (v >>= 1)
        ++k;
    return k;
}

LatencyHistogramParse bad(QString error)
{
    LatencyHistogramParse parse;
    parse.status = LatencyHistogramParse::Status::Bad;
    parse.error = std::move(error);
    return parse;
}

} // namespace

int LatencyHistogram::bucketIndex(qint64 us)
{
    us = std::clamp<qint64>(us, 0, kMaxTrackedUs);
    if (us < kSubBuckets)
        return int(us);
    const int k = floorLog2(quint64(us));
    const int sub = int(us >> (k - kSubBits)) - kSubBuckets;
    return kSubBuckets + (k - kSubBits) * kSubBuckets + sub;
}

int LatencyHistogram::bucketCount()
{
    static const int count = bucketIndex(kMaxTrackedUs) + 1;
    return count;
}

qint64 LatencyHistogram::bucketLow(int index)
{
    if (index < kSubBuckets)
        return index;
    const int shift = (index - kSubBuckets) / kSubBuckets;
    const int sub = (index - kSubBuckets) % kSubBuckets;
    return qint64(kSubBuckets + sub) << shift;
}

qint64 LatencyHistogram::bucketWidth(int index)
{
    if (index < kSubBuckets)
        return 1;
    return qint64(1) << ((index - kSubBuckets) / kSubBuckets);
}

void LatencyHistogram::record(qint64 us)
{
    us = std::max<qint64>(us, 0);
    if (m_counts.empty())
        m_counts.assign(size_t(bucketCount()), 0);
    ++m_counts[size_t(bucketIndex(us))];
    if (m_count == 0) {
        m_min = us;
        m_max = us;
    } else {
        m_min = std::min(m_min, us);
        m_max = std::max(m_max, us);
    }
    ++m_count;
    m_sum += us;
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (other.m_count == 0)
        return;
    if (m_counts.empty())
        m_counts.assign(size_t(bucketCount()), 0);
    for (size_t i = 0; i < other.m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_count += other.m_count;
    m_sum += other.m_sum;
}

void LatencyHistogram::clear()
{
    // Keeps the buckets allocated: an interval histogram is cleared every interval.
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_count = 0;
    m_sum = 0;
    m_min = 0;
    m_max = 0;
}

double LatencyHistogram::mean() const
{
    return m_count ? double(m_sum) / double(m_count) : 0.0;
}

qint64 LatencyHistogram::percentile(double p) const
{
    if (m_count == 0)
        return 0;
    if (!(p > 0))
        return m_min;
    if (p >= 100)
        return m_max;
    // The epsilon keeps p * count / 100 from landing one rank too high when the product
    // is an integer that doubles cannot represent (99.9 * 1000).
    qint64 rank = qint64(std::ceil(p * double(m_count) / 100.0 - 1e-9));
    rank = std::clamp<qint64>(rank, 1, m_count);
    qint64 seen = 0;
    for (size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= rank) {
            // The middle of the bucket halves the worst error; the exact extremes bound it
            // (a bucket holding only the min or the max answers exactly).
            const qint64 middle = bucketLow(int(i)) + (bucketWidth(int(i)) - 1) / 2;
            return std::clamp(middle, m_min, m_max);
        }
    }
    return m_max; // not reached: the buckets add up to m_count
}

QJsonObject LatencyHistogram::toJson() const
{
    QJsonArray buckets;
    for (size_t i = 0; i < m_counts.size(); ++i) {
        if (m_counts[i]) {
            buckets.append(qint64(i));
            buckets.append(m_counts[i]);
        }
    }
    return QJsonObject{
        {QStringLiteral("n"), m_count},
        {QStringLiteral("sum"), m_sum},
        {QStringLiteral("min"), min()},
        {QStringLiteral("max"), max()},
        {QStringLiteral("sub"), kSubBuckets},
        {QStringLiteral("b"), buckets},
    };
}

LatencyHistogramParse LatencyHistogram::fromJson(const QJsonObject &json)
{
    qint64 count = 0, sum = 0, min = 0, max = 0, sub = 0;
    if (!util::readJsonInteger(json.value(QLatin1String("n")), &count) || count < 0)
        return bad(QStringLiteral("histogram: \"n\" is not a count"));
    if (!util::readJsonInteger(json.value(QLatin1String("sum")), &sum) || sum < 0)
        return bad(QStringLiteral("histogram: \"sum\" is not a non-negative integer"));
    if (!util::readJsonInteger(json.value(QLatin1String("min")), &min) || !util::readJsonInteger(json.value(QLatin1String("max")), &max)
        || min < 0 || min > max)
        return bad(QStringLiteral("histogram: \"min\"/\"max\" missing or inconsistent"));
    // A writer with other buckets would be merged into the wrong ones: refuse it.
    if (!util::readJsonInteger(json.value(QLatin1String("sub")), &sub) || sub != kSubBuckets)
        return bad(QStringLiteral("histogram: bucket layout \"sub\" must be %1").arg(kSubBuckets));
    const QJsonValue bucketsValue = json.value(QLatin1String("b"));
    if (!bucketsValue.isArray())
        return bad(QStringLiteral("histogram: \"b\" is not an array"));
    const QJsonArray buckets = bucketsValue.toArray();
    if (buckets.size() % 2 != 0)
        return bad(QStringLiteral("histogram: \"b\" must hold index,count pairs"));

    LatencyHistogramParse parse;
    LatencyHistogram &h = parse.histogram;
    qint64 total = 0;
    if (!buckets.isEmpty())
        h.m_counts.assign(size_t(bucketCount()), 0);
    for (qsizetype i = 0; i < buckets.size(); i += 2) {
        qint64 index = 0, n = 0;
        if (!util::readJsonInteger(buckets.at(i), &index) || index < 0 || index >= bucketCount())
            return bad(QStringLiteral("histogram: bucket index %1 out of range").arg(buckets.at(i).toDouble()));
        if (!util::readJsonInteger(buckets.at(i + 1), &n) || n <= 0)
            return bad(QStringLiteral("histogram: bucket %1 has a bad count").arg(index));
        h.m_counts[size_t(index)] += n;
        total += n;
    }
    if (total != count)
        return bad(QStringLiteral("histogram: buckets hold %1 values, \"n\" says %2").arg(total).arg(count));
    if (count > 0 && (bucketIndex(min) != h.firstNonEmpty() || bucketIndex(max) != h.lastNonEmpty()))
        return bad(QStringLiteral("histogram: \"min\"/\"max\" fall outside the first/last bucket"));
    h.m_count = count;
    h.m_sum = sum;
    h.m_min = count ? min : 0;
    h.m_max = count ? max : 0;
    return parse;
}

int LatencyHistogram::firstNonEmpty() const
{
    for (size_t i = 0; i < m_counts.size(); ++i)
        if (m_counts[i])
            return int(i);
    return -1;
}

int LatencyHistogram::lastNonEmpty() const
{
    for (size_t i = m_counts.size(); i-- > 0;)
        if (m_counts[i])
            return int(i);
    return -1;
}

bool LatencyHistogram::operator==(const LatencyHistogram &other) const
{
    if (m_count != other.m_count || m_sum != other.m_sum || min() != other.min() || max() != other.max())
        return false;
    if (m_count == 0)
        return true; // a cleared histogram keeps its buckets allocated, still equal
    return m_counts == other.m_counts;
}

qint64 LatencyHistogram::countBelow(qint64 us) const
{
    if (m_counts.empty() || us <= 0)
        return 0;
    const int end = std::min(bucketIndex(us), int(m_counts.size()));
    qint64 total = 0;
    for (int i = 0; i < end; ++i)
        total += m_counts[size_t(i)];
    return total;
}

} // namespace duplex::load
