#pragma once

#include "control/cluster.h"

#include <memory>
#include <optional>

// A test cluster from DUPLEX_BIN_DIR on an ephemeral nginx port: `ws` WebSocket and
// `comet` Comet nodes (the rest of `config` as given), started and waited for. Null, with
// *error set, when it did not start within 20 s.
std::unique_ptr<duplex::control::Cluster> startTestCluster(int ws, int comet, QString *error,
                                                           duplex::control::ClusterConfig config = {});

// Stops the cluster and waits; false when it did not stop within 10 s, or a process it
// had (nginx's workers included) is still alive.
bool stopTestCluster(duplex::control::Cluster *cluster);

// The first process of `role` in the cluster's table, if it has one.
std::optional<duplex::control::NodeStatus> nodeOf(const duplex::control::Cluster &cluster, duplex::util::Role role);

// One metric from the /metrics of the first process of `role`; NaN when it cannot be read.
double metricOf(const duplex::control::Cluster &cluster, duplex::util::Role role, const QByteArray &name);
