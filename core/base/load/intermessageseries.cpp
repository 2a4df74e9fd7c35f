#include "load/intermessageseries.h"

#include "util/jsonnumber.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>

namespace duplex::load {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool readNumber(const QJsonValue &value, double *out)
{
    if (!value.isDouble() || !std::isfinite(value.toDouble()))
        return false;
    *out = value.toDouble();
    return true;
}

InterMessageSeriesParse bad(QString error)
{
    InterMessageSeriesParse parse;
    parse.status = InterMessageSeriesParse::Status::Bad;
    parse.error = QStringLiteral("inter-message series: ") + error;
    return parse;
}

} // namespace

void InterMessageSeries::Moments::add(double x)
{
    ++n;
    const double delta = x - mean;
    mean += delta / double(n);
    m2 += delta * (x - mean);
}

void InterMessageSeries::Moments::merge(const Moments &other)
{
    if (other.n == 0)
        return;
    if (n == 0) {
        *this = other;
        return;
    }
    const qint64 total = n + other.n;
    const double delta = other.mean - mean;
    mean += delta * double(other.n) / double(total);
    m2 += other.m2 + delta * delta * double(n) * double(other.n) / double(total);
    n = total;
}

void InterMessageSeries::recordReceipt(int client, qint64 iteration, qint64 receivedUs, qint64 latencyUs)
{
    IterationSums &sums = m_iterations[iteration];
    ++sums.receipts;
    sums.sumLatencyUs += latencyUs;

    ClientState &state = m_clients[client];
    if (iteration <= state.lastIteration)
        return; // late or repeated: the client has moved on, there is no "previous" here
    if (state.lastIteration >= 0 && iteration == state.lastIteration + 1) {
        const qint64 delta = receivedUs - state.lastUs;
        ++sums.deltas;
        sums.sumDeltaUs += delta;
        ++state.deltas;
        state.sumDeltaUs += delta;
        ++m_intervalDeltas;
        m_intervalSumUs += delta;
    }
    state.lastIteration = iteration;
    state.lastUs = receivedUs;
}

QList<IterationRow> InterMessageSeries::rows() const
{
    QList<IterationRow> rows;
    rows.reserve(qsizetype(m_iterations.size()));
    for (const auto &[iteration, sums] : m_iterations) {
        IterationRow row;
        row.iteration = iteration;
        row.clients = sums.deltas;
        if (sums.deltas)
            row.meanInterMessageMs = double(sums.sumDeltaUs) / double(sums.deltas) / 1000.0;
        row.receipts = sums.receipts;
        if (sums.receipts)
            row.meanLatencyMs = double(sums.sumLatencyUs) / double(sums.receipts) / 1000.0;
        rows.append(row);
    }
    return rows;
}

InterMessageInterval InterMessageSeries::takeIntervalMean()
{
    InterMessageInterval interval;
    interval.samples = m_intervalDeltas;
    if (m_intervalDeltas)
        interval.meanMs = double(m_intervalSumUs) / double(m_intervalDeltas) / 1000.0;
    m_intervalDeltas = 0;
    m_intervalSumUs = 0;
    return interval;
}

InterMessageSeries::Moments InterMessageSeries::clientMoments() const
{
    Moments moments = m_mergedClients;
    for (const ClientState &state : m_clients) {
        if (state.deltas)
            moments.add(double(state.sumDeltaUs) / double(state.deltas));
    }
    return moments;
}

InterMessageOverall InterMessageSeries::overall() const
{
    InterMessageOverall overall;
    double sumOfMeansUs = 0;
    for (const auto &[iteration, sums] : m_iterations) {
        Q_UNUSED(iteration);
        if (sums.deltas) {
            ++overall.iterations;
            sumOfMeansUs += double(sums.sumDeltaUs) / double(sums.deltas);
        }
    }
    if (overall.iterations)
        overall.meanMs = sumOfMeansUs / double(overall.iterations) / 1000.0;
    const Moments clients = clientMoments();
    overall.clients = clients.n;
    if (clients.n)
        overall.clientStddevMs = std::sqrt(std::max(0.0, clients.m2 / double(clients.n))) / 1000.0;
    return overall;
}

void InterMessageSeries::merge(const InterMessageSeries &other)
{
    for (const auto &[iteration, theirs] : other.m_iterations) {
        IterationSums &ours = m_iterations[iteration];
        ours.deltas += theirs.deltas;
        ours.sumDeltaUs += theirs.sumDeltaUs;
        ours.receipts += theirs.receipts;
        ours.sumLatencyUs += theirs.sumLatencyUs;
    }
    m_mergedClients.merge(other.clientMoments());
    m_intervalDeltas += other.m_intervalDeltas;
    m_intervalSumUs += other.m_intervalSumUs;
}

QJsonObject InterMessageSeries::toJson() const
{
    QJsonArray iterations;
    for (const auto &[iteration, sums] : m_iterations)
        iterations.append(QJsonArray{iteration, sums.deltas, sums.sumDeltaUs, sums.receipts, sums.sumLatencyUs});
    const Moments clients = clientMoments();
    return QJsonObject{
        {QStringLiteral("it"), iterations},
        {QStringLiteral("cm"),
         QJsonObject{{QStringLiteral("n"), clients.n}, {QStringLiteral("mean"), clients.mean}, {QStringLiteral("m2"), clients.m2}}},
        {QStringLiteral("iv"), QJsonObject{{QStringLiteral("n"), m_intervalDeltas}, {QStringLiteral("sum"), m_intervalSumUs}}},
    };
}

InterMessageSeriesParse InterMessageSeries::fromJson(const QJsonObject &json)
{
    InterMessageSeriesParse parse;
    InterMessageSeries &series = parse.series;
    const QJsonValue iterations = json.value(QLatin1String("it"));
    if (!iterations.isArray())
        return bad(QStringLiteral("\"it\" is not an array"));
    for (const QJsonValue &entry : iterations.toArray()) {
        const QJsonArray fields = entry.toArray();
        qint64 values[5] = {};
        bool ok = entry.isArray() && fields.size() == 5;
        for (int i = 0; ok && i < 5; ++i)
            ok = util::readJsonInteger(fields.at(i), &values[i]);
        if (!ok || values[0] < 0 || values[1] < 0 || values[3] < 0 || values[1] > values[3])
            return bad(QStringLiteral("bad iteration entry %1")
                           .arg(QString::fromUtf8(QJsonDocument(fields).toJson(QJsonDocument::Compact))));
        if (series.m_iterations.count(values[0]))
            return bad(QStringLiteral("iteration %1 appears twice").arg(values[0]));
        series.m_iterations[values[0]] = IterationSums{values[1], values[2], values[3], values[4]};
    }
    const QJsonObject clients = json.value(QLatin1String("cm")).toObject();
    Moments &moments = series.m_mergedClients;
    if (!util::readJsonInteger(clients.value(QLatin1String("n")), &moments.n) || moments.n < 0
        || !readNumber(clients.value(QLatin1String("mean")), &moments.mean)
        || !readNumber(clients.value(QLatin1String("m2")), &moments.m2) || moments.m2 < 0)
        return bad(QStringLiteral("\"cm\" is not {n, mean, m2}"));
    const QJsonObject interval = json.value(QLatin1String("iv")).toObject();
    if (!util::readJsonInteger(interval.value(QLatin1String("n")), &series.m_intervalDeltas) || series.m_intervalDeltas < 0
        || !util::readJsonInteger(interval.value(QLatin1String("sum")), &series.m_intervalSumUs))
        return bad(QStringLiteral("\"iv\" is not {n, sum}"));
    return parse;
}

void InterMessageSeries::clear()
{
    *this = InterMessageSeries();
}

} // namespace duplex::load
