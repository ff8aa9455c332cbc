#!/bin/sh
# Renders consumer.conf from the environment (BASEDN, PROVIDER_URL, RID, REPL_DN, REPL_PASSWORD),
# starts the local replica (it follows the provider in refreshAndPersist mode), then Postfix in the
# foreground.
set -eu
: "${BASEDN:?}" "${PROVIDER_URL:?}" "${RID:?}" "${REPL_DN:?}" "${REPL_PASSWORD:?}"
MXDIR_SCHEMA=/etc/ldap/schema/mxdir.schema DB_DIR=/var/lib/ldap RUN_DIR=/var/run/slapd
export MXDIR_SCHEMA DB_DIR RUN_DIR
mkdir -p "$RUN_DIR" "$DB_DIR"
render.sh /etc/ldap/mxdir/consumer.conf /etc/ldap/slapd.conf
chmod 0640 /etc/ldap/slapd.conf
slaptest -u -f /etc/ldap/slapd.conf
chown -R openldap:openldap "$DB_DIR" "$RUN_DIR" /etc/ldap/slapd.conf
# The socket is world-accessible so that Postfix's proxymap (user postfix) can use it.
slapd -u openldap -g openldap -f /etc/ldap/slapd.conf -h "ldapi:///"
exec postfix start-fg
