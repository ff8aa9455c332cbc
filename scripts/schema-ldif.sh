#!/usr/bin/env bash
# Regenerates schema/mxdir.ldif (cn=config form) from schema/mxdir.schema (slapd.conf form) with
# slaptest's own converter, so the two forms can never drift apart. A unit test checks they agree.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out"
{
  for s in core cosine inetorgperson nis misc; do echo "include /etc/ldap/schema/$s.schema"; done
  echo "include $here/schema/mxdir.schema"
} > "$tmp/slapd.conf"
slaptest -f "$tmp/slapd.conf" -F "$tmp/out" >/dev/null 2>&1 || true
src=$(ls "$tmp"/out/cn=config/cn=schema/cn=\{*\}mxdir.ldif)
{
  echo "# mxdir schema (cn=config form), generated from mxdir.schema by scripts/schema-ldif.sh."
  echo "# Load it after core, cosine, inetorgperson, nis and misc:"
  echo "#   ldapadd -Y EXTERNAL -H ldapi:/// -f mxdir.ldif"
  echo "dn: cn=mxdir,cn=schema,cn=config"
  grep -v -E '^(#|dn:|cn:|structuralObjectClass|entryUUID|creatorsName|createTimestamp|entryCSN|modifiersName|modifyTimestamp)' "$src" |
    sed -E 's/^(olc(AttributeTypes|ObjectClasses)): \{[0-9]+\}/\1: /'
  echo "cn: mxdir"
} > "$here/schema/mxdir.ldif"
