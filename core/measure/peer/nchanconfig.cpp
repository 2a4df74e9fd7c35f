#include "peer/nchanconfig.h"

#include <QList>
#include <QPair>

namespace duplex::peer {

namespace {

// The template, in the style of nginx/duplex.conf.in: @NAME@ is replaced by a value. It
// lives here rather than in a resource file because nothing but this function renders it.
constexpr char kTemplate[] = R"(# nchan, Duplex's yardstick: Debian's libnginx-mod-nchan in a user-level nginx.
#
# Rendered by core/peer/nchanconfig.cpp into a fresh runtime directory and run by
# NchanServer (core/peer/nchanserver.cpp) as a supervised child, the way the cluster runs its
# own nginx. One server on loopback: POST /pub?channel=C publishes to channel C, /sub?channel=C
# subscribes to it over a WebSocket or by long-polling.

# The module is loaded by path: the instance does not read /etc/nginx, so Debian's
# modules-enabled/ snippets never apply to it.
load_module @MODULE@;

# nginx runs as the user who started it, with every file it writes under the runtime
# prefix: it needs no root and never touches /etc/nginx, /var/log/nginx or /var/lib/nginx.
pid @PREFIX@/nginx.pid;
error_log @PREFIX@/logs/error.log warn;
worker_processes @WORKERS@;
# A subscriber holds one descriptor (nginx proxies nothing here). Accepting is not balanced
# between workers, so one of them may hold every subscriber of a run: 5000 and more fit,
# under the hard limit of 20000 open files a process gets on the benchmark machines.
worker_rlimit_nofile 16384;
# A stop waits for nothing: subscribers of a yardstick that goes away simply reconnect.
worker_shutdown_timeout 5s;

events {
    worker_connections 10000;
}

http {
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path @PREFIX@/temp/client_body;
    proxy_temp_path @PREFIX@/temp/proxy;
    fastcgi_temp_path @PREFIX@/temp/fastcgi;
    uwsgi_temp_path @PREFIX@/temp/uwsgi;
    scgi_temp_path @PREFIX@/temp/scgi;
    # Published bodies stay in memory, as Duplex's do: when nginx starts as root its workers
    # run as nobody, who cannot write into a private runtime directory.
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    # A long-poll subscriber makes one request per message; the default of 1000 requests
    # per connection would have every subscriber reconnect after 1000 messages.
    keepalive_requests 1000000;

    # The channel is the query argument `channel` (taken as sent, not percent-decoded), or
    # "main" (Duplex's default channel) when there is none.
    map $arg_channel $duplex_channel {
        ""      main;
        default $arg_channel;
    }

    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;

        # NchanServer polls this to know nginx is up; nchan plays no part in it.
        location = /_nchan/health {
            default_type text/plain;
            return 200 "ok\n";
        }

        # nchan's counters (subscribers, messages, shared memory) for the benchmark's report.
        location = /_nchan/status {
            nchan_stub_status;
        }

        # POST publishes (201 when the channel had a subscriber, 202 when it had none, both
        # with the channel's info); GET answers the channel's info without publishing (404
        # when the channel does not exist), which is where a subscriber learns the id of the
        # newest message to start after.
        location = /pub {
            nchan_publisher http;
            nchan_channel_id $duplex_channel;
            # A channel takes its settings from the publisher location, so they live here.
            # The buffer is what a long-poll subscriber walks through between its requests
            # and what a WebSocket subscriber resumes from: as deep as Duplex's history.
            nchan_message_buffer_length @BUFFER_LENGTH@;
            nchan_message_timeout @MESSAGE_TIMEOUT@s;
        }

        location = /sub {
            nchan_subscriber websocket longpoll;
            nchan_channel_id $duplex_channel;
            # nchan 1.3 starts a subscriber that names no message at the oldest one in the
            # buffer; a benchmark subscriber wants what is published after it came, as a
            # Duplex subscriber gets. One that names a message (If-None-Match/If-Modified-Since,
            # or last_event_id) gets the messages after it.
            nchan_subscriber_first_message newest;
        }
    }
}
)";

} // namespace

QString renderNchanConfig(const NchanSettings &settings)
{
    QString text = QString::fromUtf8(kTemplate);
    const QList<QPair<QString, QString>> values = {
        {QStringLiteral("MODULE"), settings.modulePath},
        {QStringLiteral("PREFIX"), settings.prefix},
        {QStringLiteral("WORKERS"), QString::number(settings.workers)},
        {QStringLiteral("PORT"), QString::number(settings.port)},
        {QStringLiteral("BUFFER_LENGTH"), QString::number(settings.bufferLength)},
        {QStringLiteral("MESSAGE_TIMEOUT"), QString::number(settings.messageTimeoutSeconds)},
    };
    for (const auto &value : values)
        text.replace(QLatin1Char('@') + value.first + QLatin1Char('@'), value.second);
    return text;
}

} // namespace duplex::peer
