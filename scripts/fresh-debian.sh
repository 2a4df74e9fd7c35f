#!/usr/bin/env bash
# Runs a command in a fresh clone of this checkout's HEAD on a pristine Debian 12: a root
# file system made by mmdebstrap from this machine's apt sources, entered with chroot. It
# is what a newcomer's machine does with the last commit, and it is what CI runs.
#
#   scripts/fresh-debian.sh                     ./test.sh (the README's test command)
#   scripts/fresh-debian.sh ./run.sh --help     any command, run from the clone
#
# Options (before the command):
#   --rebuild      make the root file system anew instead of reusing the cached one
#   --no-ccache    do not bind the compiler cache in: every object is compiled
#   -h, --help     this text
# Environment:
#   DUPLEX_FRESH_CACHE  where the root file system tarball is kept (/var/cache/duplex-fresh)
#   CCACHE_DIR          the compiler cache bound into the root (default ~/.cache/ccache)
#
# Needs root. The first run builds the root file system (a few minutes); later runs
# unpack the cached tarball anew, so each run starts from the same pristine state. What
# enters the root: the clone of HEAD, ../shared beside it (read-only, as CI has it), this
# machine's network settings (DNS servers, hosts, extra certificate authorities, npm's CA
# setting, proxy and CA variables) and the compiler cache. Nothing else. On any exit
# every mount is undone, every process left in the root is killed, the root is removed.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

rebuild=0
ccache=1
while [ $# -gt 0 ]; do
    case "$1" in
        --rebuild) rebuild=1; shift ;;
        --no-ccache) ccache=0; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        -*) echo "fresh-debian: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || set -- ./test.sh

say() { echo "fresh-debian: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root (mmdebstrap, mount and chroot)"; exit 2; }
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
shared=$repo/../shared
cache=${DUPLEX_FRESH_CACHE:-/var/cache/duplex-fresh}

# --- The root file system, cached as a tarball named after what it was made from --------
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && grep -q '^[^#[:space:]]' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || { say "this machine has no apt sources to build a root from"; exit 1; }
# git to clone into; ca-certificates so that https works as on any installed Debian.
include=ca-certificates,git
key=$( { echo "bookworm $include"; cat "${sources[@]}"; } | sha256sum | cut -c1-16)
tarball=$cache/bookworm-$key.tar
mkdir -p "$cache"
if [ "$rebuild" = 1 ] || [ ! -s "$tarball" ]; then
    if ! command -v mmdebstrap >/dev/null; then
        say "installing mmdebstrap"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
    fi
    say "making a Debian 12 root file system (about a minute, once)"
    rm -f "$cache"/bookworm-*.tar "$cache"/partial.tar
    mmdebstrap --quiet --variant=apt --include=$include bookworm "$cache/partial.tar" "${sources[@]}"
    mv "$cache/partial.tar" "$tarball"
fi

# --- A fresh root from it, undone on any exit ---------------------------------------------
root=$(mktemp -d "$cache/root.XXXXXX")
mounted=()
cleanup() {
    local rc=$? i p
    # Processes the command left behind (a daemon, a hung test): killed by PID.
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    for ((i=${#mounted[@]}-1; i>=0; i--)); do
        umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || rc=1
    done
    if grep -q " $root/" /proc/self/mounts; then
        say "a mount under $root is still there; not removing it"
        rc=1
    else
        rm -rf --one-file-system "$root"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

tar -xf "$tarball" -C "$root"
bind() {  # bind SOURCE TARGET-IN-ROOT
    mkdir -p "$root$2"
    mount --bind "$1" "$root$2"
    mounted+=("$root$2")
}
for m in /proc /sys /dev /dev/pts /dev/shm; do bind "$m" "$m"; done

# This machine's network settings, and nothing else of it.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# mmdebstrap writes no hosts file; an installed Debian has one, with localhost in it.
[ -f /etc/hosts ] && cp -L /etc/hosts "$root/etc/hosts"
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1 || { say "update-ca-certificates failed in the root"; exit 1; }
fi
[ -f /etc/npmrc ] && cp /etc/npmrc "$root/etc/npmrc"
netenv=()
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
         NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE; do
    val=${!v:-}
    [ -n "$val" ] || continue
    # A path that means nothing inside the root is left out rather than passed broken.
    case "$val" in /*) [ -e "$root$val" ] || continue ;; esac
    netenv+=("$v=$val")
done

if [ "$ccache" = 1 ]; then
    ccache_dir=${CCACHE_DIR:-$HOME/.cache/ccache}
    mkdir -p "$ccache_dir"
    bind "$ccache_dir" /root/.cache/ccache
fi

git clone -q "$repo" "$root/srv/duplex/main"
if [ -d "$shared" ]; then
    cp -r "$shared" "$root/srv/duplex/shared"
    chmod -R a-w "$root/srv/duplex/shared"
fi

say "running '$*' in a fresh clone of $(git -C "$repo" rev-parse --short HEAD) on a pristine Debian 12"
start=$(date +%s)
set +e
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${netenv[@]}" \
    /bin/bash -c 'cd /srv/duplex/main && exec "$@"' bash "$@"
rc=$?
set -e
say "exit status $rc after $(( $(date +%s) - start )) s"
exit $rc
