#pragma once

#include "client/httpconnection.h"

#include <QHostAddress>

// One HTTP request on a fresh connection to 127.0.0.1:port, waited for (the event loop
// runs meanwhile); status 0 with the reason in `error` when it failed or timed out.
duplex::client::HttpResult httpCall(quint16 port, const QByteArray &method, const QByteArray &target,
                                    const QByteArray &body = {}, const QHostAddress &source = {},
                                    int timeoutMs = 10000, const duplex::client::HttpConnection::Headers &headers = {});

// The value of a response header (case-insensitive name), empty when absent.
QByteArray headerValue(const duplex::client::HttpResult &result, const QByteArray &name);
