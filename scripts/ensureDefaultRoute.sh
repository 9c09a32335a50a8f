#!/usr/bin/env bash
# Gives a host with no default route one that stays on the machine, so that Chromium
# gathers WebRTC host candidates (it gathers none without a default route and never
# offers loopback). Needs root and iproute2; does nothing where a default route exists.
set -uo pipefail
if ! command -v ip >/dev/null; then
  echo "ensureDefaultRoute: no iproute2 here; WebRTC between local browsers needs a default route" >&2
  exit 0
fi
if [ -n "$(ip route show default 2>/dev/null)" ] || [ -n "$(ip -6 route show default 2>/dev/null)" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensureDefaultRoute: no default route and not root; WebRTC tests will fail (see DEVELOPERS.md)" >&2
  exit 0
fi
{ ip link show salus-rt0 >/dev/null 2>&1 || {
  ip link add salus-rt0 type veth peer name salus-rt1 &&
    ip addr add 10.203.77.1/30 dev salus-rt0
}; } &&
  ip link set salus-rt0 up &&
  ip link set salus-rt1 up &&
  ip route add default via 10.203.77.2 dev salus-rt0 &&
  echo "ensureDefaultRoute: this host had no default route; added one into veth salus-rt0 (local only)" ||
  echo "ensureDefaultRoute: could not add a local default route; WebRTC tests will fail (see DEVELOPERS.md)" >&2
exit 0
