#!/usr/bin/env bash
# Gives a host with no default route one that stays on the machine, so that Chromium
# gathers WebRTC host candidates (it gathers none without a default route and never
# offers loopback). Needs root and iproute2; does nothing where a default route exists.
# Never fails the caller: without the route only the browser-to-browser WebRTC test
# fails, and it says why.
set -uo pipefail
warn() { echo "ensureDefaultRoute: $1; WebRTC between local browsers will fail (see DEVELOPERS.md)" >&2; exit 0; }
command -v ip >/dev/null || warn "no iproute2 here"
[ -n "$(ip route show default 2>/dev/null)$(ip -6 route show default 2>/dev/null)" ] && exit 0
[ "$(id -u)" = 0 ] || warn "no default route and not root"
if ! ip link show salus-rt0 >/dev/null 2>&1; then
  ip link add salus-rt0 type veth peer name salus-rt1 || warn "could not create veth salus-rt0"
  ip addr add 10.203.77.1/30 dev salus-rt0 || warn "could not address salus-rt0"
fi
ip link set salus-rt0 up && ip link set salus-rt1 up || warn "could not bring salus-rt0 up"
ip route add default via 10.203.77.2 dev salus-rt0 || warn "could not add the default route"
echo "ensureDefaultRoute: this host had no default route; added one into veth salus-rt0 (local only)"
