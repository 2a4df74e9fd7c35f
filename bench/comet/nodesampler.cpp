#include "nodesampler.h"

#include "control/httpprobe.h"
#include "http/metrics.h"

#include <QTimer>

#include <algorithm>

#include <memory>

namespace duplex::bench {

namespace {

template<typename Field>
double sumOver(const NodeSampler::Samples &samples, control::NodeRole role, Field field)
{
    double sum = 0;
    int count = 0;
    for (const NodeSampler::Sample &s : samples) {
        if (s.role != role)
            continue;
        const double value = s.*field;
        if (value < 0)
            return -1;
        sum += value;
        ++count;
    }
    return count > 0 ? sum : -1;
}

} // namespace

NodeSampler::NodeSampler(QObject *parent)
    : QObject(parent)
{
}

NodeSampler::~NodeSampler() = default;

void NodeSampler::sample(const QList<control::NodeStatus> &nodes, int timeoutMs, Done done)
{
    // Shared by the probes' callbacks: the last one to answer delivers the whole reading.
    struct Reading
    {
        Samples samples;
        int pending = 0;
        Done done;
    };
    auto reading = std::make_shared<Reading>();
    reading->done = std::move(done);
    for (const control::NodeStatus &node : nodes) {
        if (node.role != control::NodeRole::WebSocket && node.role != control::NodeRole::Comet)
            continue;
        Sample s;
        s.name = node.name;
        s.role = node.role;
        reading->samples << s;
    }
    for (qsizetype i = 0; i < reading->samples.size(); ++i) {
        const auto it = std::find_if(nodes.cbegin(), nodes.cend(),
                                     [&](const control::NodeStatus &n) { return n.name == reading->samples.at(i).name; });
        if (it->adminPort == 0)
            continue; // stays -1
        ++reading->pending;
        control::HttpProbe::get(QHostAddress::LocalHost, it->adminPort, "/metrics", timeoutMs, this,
                                [reading, i](int status, const QByteArray &body) {
                                    if (status == 200) {
                                        const QMap<QByteArray, double> values = http::Metrics::parse(body);
                                        reading->samples[i].cpuSeconds = values.value("process_cpu_seconds_total", -1);
                                        reading->samples[i].residentBytes = values.value("process_resident_memory_bytes", -1);
                                    }
                                    if (--reading->pending == 0)
                                        reading->done(reading->samples);
                                });
    }
    if (reading->pending == 0)
        QTimer::singleShot(0, this, [reading] { reading->done(reading->samples); });
}

double NodeSampler::cpuSeconds(const Samples &samples, control::NodeRole role)
{
    return sumOver(samples, role, &Sample::cpuSeconds);
}

double NodeSampler::residentBytes(const Samples &samples, control::NodeRole role)
{
    return sumOver(samples, role, &Sample::residentBytes);
}

} // namespace duplex::bench
