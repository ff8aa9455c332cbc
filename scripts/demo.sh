#!/usr/bin/env bash
# `npm run demo`: the main job end to end on embedded defaults, in ./.demo (removed and made anew):
# a throwaway slapd with the mxdir schema, a sample PostfixAdmin database in SQLite, the dry run,
# the sync, a second sync that finds nothing to do, the Postfix query configs, and postmap answering.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/system-deps.sh
bash scripts/node-deps.sh

demo="$root/.demo"
if [ -f "$demo/slapd.pid" ]; then kill "$(cat "$demo/slapd.pid")" 2>/dev/null || true; sleep 0.5; fi
rm -rf "$demo"
mkdir -p "$demo/db" "$demo/postfix"
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "A throwaway slapd on ldap://127.0.0.1:$port (suffix dc=example,dc=org, data in .demo/db)"
{
  for s in core cosine inetorgperson nis misc; do echo "include /etc/ldap/schema/$s.schema"; done
  echo "include $root/schema/mxdir.schema"
  echo "pidfile $demo/slapd.pid"
  echo "argsfile $demo/slapd.args"
  echo "modulepath /usr/lib/ldap"
  echo "moduleload back_mdb"
  echo "database mdb"
  echo "maxsize 1073741824"
  echo "suffix dc=example,dc=org"
  echo "rootdn cn=admin,dc=example,dc=org"
  echo "rootpw $password"
  echo "directory $demo/db"
  cat "$root/schema/indexes.conf"
} > "$demo/slapd.conf"
slaptest -Q -u -f "$demo/slapd.conf"
slapd -f "$demo/slapd.conf" -h "ldap://127.0.0.1:$port/"
trap 'kill "$(cat "$demo/slapd.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
for _ in $(seq 50); do ldapsearch -x -H "ldap://127.0.0.1:$port" -b '' -s base >/dev/null 2>&1 && break; sleep 0.1; done
printf 'dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n' |
  ldapadd -x -H "ldap://127.0.0.1:$port" -D cn=admin,dc=example,dc=org -w "$password" >/dev/null

step "A sample PostfixAdmin database: .demo/postfixadmin.db (from scripts/sample-postfixadmin.sql)"
sqlite3 "$demo/postfixadmin.db" < scripts/sample-postfixadmin.sql
for t in domain mailbox alias alias_domain; do
  printf '  %-13s %s rows\n' "$t" "$(sqlite3 "$demo/postfixadmin.db" "select count(*) from $t")"
done

cat > "$demo/mxdir.yaml" <<YAML
source:
  kind: postfixadmin
  url: sqlite:postfixadmin.db
ldap:
  url: ldap://127.0.0.1:$port
  bindDN: cn=admin,dc=example,dc=org
  bindPassword: \${MXDIR_BIND_PASSWORD}
  baseDN: ou=mx,dc=example,dc=org
YAML
export MXDIR_BIND_PASSWORD="$password"
mxdir() { node "$root/dist/src/cli/main.js" "$@"; }
cd "$demo"

step "Review: what a sync would change (mxdir sync --dry-run); skipped rows are reported on stderr"
run mxdir sync -c mxdir.yaml --dry-run

step "Publish (mxdir sync)"
run mxdir sync -c mxdir.yaml

step "Converged: a second run has nothing to do (mxdir sync --check exits 0)"
run mxdir sync -c mxdir.yaml --check | tail -n 1
echo "exit code: ${PIPESTATUS[0]}"

step "Postfix query configs for every MX (mxdir postfix --out .demo/postfix)"
run mxdir postfix -c mxdir.yaml --out postfix
printf 'compatibility_level = 3.6\n' > postfix/main.cf

step "Postfix looks recipients up as smtpd does: user+ext@domain, user@domain, then @domain (postmap -q)"
cf="$demo/postfix/ldap-relay-recipients.cf"
lookup() { postmap -c "$demo/postfix" -q "$1" "ldap:$cf" 2>/dev/null; }
for rcpt in alice@example.com Sales@Example.com bob+news@example.com news+list@example.com nobody@example.com \
            anything@example.net alice@example.org info@xn--bcher-kva.example off@example.com old-alias@example.com; do
  key=$(printf '%s' "$rcpt" | tr 'A-Z' 'a-z'); local=${key%@*}; domain=${key#*@}
  answer="550 5.1.1 User unknown in relay recipient table"
  for try in "$key" "${local%%+*}@$domain" "@$domain"; do
    if found=$(lookup "$try"); then answer="250 accepted (found $found)"; break; fi
  done
  printf '  RCPT TO:<%s>%*s %s\n' "$rcpt" $((28 - ${#rcpt})) '' "$answer"
done
for domain in example.com example.net example.org xn--bcher-kva.example inactive.example; do
  if found=$(postmap -c "$demo/postfix" -q "$domain" "ldap:$demo/postfix/ldap-relay-domains.cf" 2>/dev/null); then
    printf '  relay_domains %-22s -> relayed\n' "$domain"
  else
    printf '  relay_domains %-22s -> not relayed (554 Relay access denied)\n' "$domain"
  fi
done

step "Done. Everything lives in .demo/; the slapd is stopped now. Run 'npm run demo' again to start over."
