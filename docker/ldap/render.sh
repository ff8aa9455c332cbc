#!/bin/sh
# render.sh TEMPLATE OUT: copies a schema/replication example, replacing each @NAME@ placeholder with
# the environment variable NAME; stops if one is left without a value.
set -eu
perl -pe 's/\@([A-Z_]+)\@/exists $ENV{$1} ? $ENV{$1} : $&/ge' "$1" > "$2"
if grep -v '^#' "$2" | grep -o '@[A-Z_]*@' | sort -u | grep .; then
  echo "render.sh: $1: set the placeholders above in the environment" >&2
  exit 1
fi
