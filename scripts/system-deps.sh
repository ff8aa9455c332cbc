#!/usr/bin/env bash
# Makes sure the Debian packages mxdir's demo and tests run against are installed: OpenLDAP's slapd
# and client tools, Postfix with LDAP, lmdb and cdb maps (mxdir export builds them), sqlite3, GNU time (the benchmark's peak RSS). Installs what is missing when run as root (never
# configuring or starting the system slapd or Postfix); otherwise prints the exact command.
set -euo pipefail
packages=(slapd ldap-utils postfix postfix-ldap postfix-lmdb postfix-cdb sqlite3 openssl time)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "mxdir: missing Debian packages: ${missing[*]}. Install them as root with:" >&2
  echo "  sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "mxdir: installing ${missing[*]} (system slapd and Postfix stay unconfigured)" >&2
export DEBIAN_FRONTEND=noninteractive
# Leave the system's own slapd and Postfix unconfigured: the demo and tests run private instances.
echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
