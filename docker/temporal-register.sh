#!/bin/sh
# One-shot set-up of the running Temporal server for kisystem, run in temporalio/admin-tools:
# waits until the server answers, creates the namespace when missing (the plain temporalio/server
# image creates none), and registers kisystem's custom search attributes
# (contracts/search-attributes.ts). Safe to run again: what exists is left alone.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${NAMESPACE_RETENTION:=720h}"
# name:type pairs; keep in step with contracts/search-attributes.ts.
# The CLI looks for its config file under $HOME.
: "${HOME:=/tmp}"
export HOME
: "${KISYSTEM_SEARCH_ATTRIBUTES:=KisystemTaskId:Keyword KisystemDomain:Keyword KisystemModel:Keyword KisystemStatus:Keyword KisystemEscalations:Int}"

# Use the server's IPv4 address when the name resolves (Temporal's own compose scripts do the same).
host="${TEMPORAL_ADDRESS%:*}"
port="${TEMPORAL_ADDRESS##*:}"
ip="$(getent hosts "$host" 2>/dev/null | awk 'NR == 1 { print $1 }' || true)"
address="$TEMPORAL_ADDRESS"
case "$ip" in
  *.*.*.*) address="$ip:$port" ;;
esac

t() {
  temporal "$@" --address "$address"
}

# Runs a command until it succeeds, 30 tries 2 s apart.
retry() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 30 ]; then
      return 1
    fi
    sleep 2
  done
}

echo "waiting for Temporal at ${TEMPORAL_ADDRESS} (${address}) ..."
n=0
until t operator cluster health >/dev/null 2>&1; do
  n=$((n + 1))
  if [ "$n" -ge 90 ]; then
    echo "Temporal did not report healthy within 180 s" >&2
    t operator cluster health || true
    exit 1
  fi
  sleep 2
done
echo "Temporal is healthy"

if t operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace ${TEMPORAL_NAMESPACE} exists"
else
  echo "creating namespace ${TEMPORAL_NAMESPACE} (retention ${NAMESPACE_RETENTION}) ..."
  t operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$NAMESPACE_RETENTION"
  # A new namespace reaches the server's namespace cache within about 10 s.
  retry t operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null
fi

registered() {
  t operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" 2>/dev/null | grep -qw "$1"
}

for pair in $KISYSTEM_SEARCH_ATTRIBUTES; do
  name="${pair%%:*}"
  type="${pair#*:}"
  if registered "$name"; then
    echo "search attribute ${name} is registered"
  else
    echo "registering search attribute ${name} (${type}) ..."
    retry t operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "$type"
  fi
done

missing=""
for pair in $KISYSTEM_SEARCH_ATTRIBUTES; do
  name="${pair%%:*}"
  registered "$name" || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "search attributes still missing:${missing}" >&2
  exit 1
fi
echo "namespace ${TEMPORAL_NAMESPACE} is ready for kisystem"
