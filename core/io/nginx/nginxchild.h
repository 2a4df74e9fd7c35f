#pragma once

#include <QString>
#include <QStringList>

#include <memory>

class QTemporaryDir;

// What running Debian's nginx as a user-level child takes, for every such nginx Duplex
// starts (the cluster's, the nchan peer's): each returns an error in one line, or empty.
namespace duplex::nginx {

// `configured`, or nginx on PATH, /usr/sbin or /sbin.
QString findProgram(const QString &configured, QString *program);

// `requested` when it is free; for 0, a free port below the kernel's ephemeral range
// (ports in that range are also the local ends of outgoing connections, and under load one
// of them can take the port between this probe and nginx's bind).
QString reservePort(quint16 requested, quint16 *port);

// `configured` (made absolute), or a fresh temporary directory from `tempTemplate` kept in
// *temp; with the logs/ and temp/ subdirectories the rendered configs point into.
QString prepareRuntimeDir(const QString &configured, const QString &tempTemplate,
                          std::unique_ptr<QTemporaryDir> *temp, QString *dir);

// nginx's command line for a config at `runtimeDir`/nginx.conf, in the foreground.
QStringList childArguments(const QString &runtimeDir);

} // namespace duplex::nginx
