#!/usr/bin/env bash
# Shared by run.sh and test.sh: installs the Debian packages Duplex needs (only the
# missing ones, so a second run is instant), then configures and builds with Ninja.
# Usage: scripts/setup.sh [extra apt packages...]
set -euo pipefail
cd "$(dirname "$0")/.."

# Why each, where it is not obvious:
#   libqt6opengl6-dev  Qt Charts' CMake config needs Qt6OpenGL; qt6-base-dev only recommends it
#   libxkbcommon-dev   silences Qt's configure warning about xkbcommon
#   nginx-light, libnginx-mod-nchan  the cluster's front and the nchan peer of the benchmarks
#   valgrind           tst_comet_memcheck;  xvfb xauth  the panel's screenshot on a virtual display
packages=(cmake g++ ninja-build ccache pkg-config
          qt6-base-dev libqt6opengl6-dev qt6-websockets-dev qt6-httpserver-dev qt6-charts-dev
          libxkbcommon-dev nginx-light libnginx-mod-nchan valgrind xvfb xauth "$@")

missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: missing packages: ${missing[*]}" >&2
        echo "setup: run as root, or: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    # Duplex starts its own nginx as a child; the system service must not be started
    # by the package (it would take port 80 and may fail where there is no init).
    policy_added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        policy_added=1
    fi
    trap 'if [ "$policy_added" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
    export DEBIAN_FRONTEND=noninteractive
    # dpkg prints a few lines per package (hundreds of packages on a bare machine): into a
    # log, shown only if the installation fails.
    log=$(mktemp /tmp/duplex-setup-apt.XXXXXX)
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "setup: apt-get failed (whole log: $log)" >&2
        exit 1
    fi
    rm -f "$log"
    echo "setup: installed"
fi

if [ ! -f build/build.ninja ]; then
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build
