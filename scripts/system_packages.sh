#!/usr/bin/env bash
# Debian packages the tests use for real: Chromium for the web pages, recorded telephone prompts
# (with transcripts) for speech-to-text, SIPp and baresip as independent SIP peers, sox and espeak-ng for
# test audio, kamailio as the voice gateway's SIP dispatcher (voice.processes > 1), and the music on hold
# (asterisk-moh-opsound-wav) that voice.hold_music plays to queued callers, and PostgreSQL 15, whose
# binaries tandem/postgres.py runs as a private server (the tests run the store on it). Installed once,
# when missing.
set -euo pipefail
packages=(chromium asterisk-core-sounds-en-wav asterisk-core-sounds-en asterisk-moh-opsound-wav sip-tester baresip sox espeak-ng kamailio postgresql-15 redis-server haproxy)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "system_packages: installing ${missing[*]}…"
SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# Tandem starts its own kamailio with a generated config; Debian's service would take port 5060.
if [[ " ${missing[*]} " == *" kamailio "* ]] && command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
fi
# Likewise Debian's own PostgreSQL cluster: Tandem's server has a data folder of its own.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true
fi
# And Debian's own redis-server and haproxy: a cluster stack (python -m tandem up --cluster) starts its
# own, with generated configs; Debian's would hold port 6379 and run beside them for nothing.
if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
if [[ " ${missing[*]} " == *" haproxy "* ]] && command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now haproxy >/dev/null 2>&1 || true
fi
