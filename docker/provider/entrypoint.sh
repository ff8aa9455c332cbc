#!/bin/sh
# Renders provider.conf from the environment (SUFFIX, BASEDN, REPL_DN, LDAP_ADMIN_PASSWORD,
# REPL_PASSWORD), creates the suffix entry and the replication account on the first start, then runs
# slapd in the foreground.
set -eu
: "${SUFFIX:?}" "${BASEDN:?}" "${REPL_DN:?}" "${LDAP_ADMIN_PASSWORD:?}" "${REPL_PASSWORD:?}"
ROOTPW=$(slappasswd -s "$LDAP_ADMIN_PASSWORD")
REPL_PASSWORD_HASH=$(slappasswd -s "$REPL_PASSWORD")
MXDIR_SCHEMA=/etc/ldap/schema/mxdir.schema DB_DIR=/var/lib/ldap RUN_DIR=/var/run/slapd
export ROOTPW REPL_PASSWORD_HASH MXDIR_SCHEMA DB_DIR RUN_DIR
mkdir -p "$RUN_DIR" "$DB_DIR"
render.sh /etc/ldap/mxdir/provider.conf /etc/ldap/slapd.conf
chmod 0640 /etc/ldap/slapd.conf
slaptest -u -f /etc/ldap/slapd.conf
if [ ! -e "$DB_DIR/data.mdb" ]; then
  top=$(echo "$SUFFIX" | sed 's/^dc=\([^,]*\).*/\1/')
  render.sh /etc/ldap/mxdir/replicator.ldif /tmp/replicator.ldif
  { printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: %s\ndc: %s\n\n' "$SUFFIX" "$top" "$top"; cat /tmp/replicator.ldif; } \
    | slapadd -f /etc/ldap/slapd.conf
  rm -f /tmp/replicator.ldif
fi
chown -R openldap:openldap "$DB_DIR" "$RUN_DIR" /etc/ldap/slapd.conf
exec slapd -d 0 -u openldap -g openldap -f /etc/ldap/slapd.conf -h "ldap:/// ldapi:///"
