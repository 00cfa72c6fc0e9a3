#!/bin/sh
# One-shot set-up of the running Temporal server for kisystem, run in temporalio/admin-tools:
# waits until the server answers, creates the namespace when missing (the plain temporalio/server
# image creates none), and registers kisystem's custom search attributes
# (workflows/search-attributes.ts). Safe to run again: what exists is left alone.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${NAMESPACE_RETENTION:=720h}"
# name:type pairs; keep in step with workflows/search-attributes.ts.
: "${KISYSTEM_SEARCH_ATTRIBUTES:=KisystemTaskId:Keyword KisystemDomain:Keyword KisystemModel:Keyword KisystemStatus:Keyword KisystemEscalations:Int}"
export TEMPORAL_ADDRESS

echo "waiting for Temporal at ${TEMPORAL_ADDRESS} ..."
i=0
until temporal operator cluster health >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 90 ]; then
    echo "Temporal did not report healthy within 180 s" >&2
    temporal operator cluster health || true
    exit 1
  fi
  sleep 2
done
echo "Temporal is healthy"

if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace ${TEMPORAL_NAMESPACE} exists"
else
  echo "creating namespace ${TEMPORAL_NAMESPACE} (retention ${NAMESPACE_RETENTION}) ..."
  temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$NAMESPACE_RETENTION"
fi

# A new namespace reaches the server's namespace cache within about 10 s; retry until it has.
attempt() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 30 ]; then
      return 1
    fi
    sleep 2
  done
}

registered() {
  temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" 2>/dev/null
}

attempt temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null

for pair in $KISYSTEM_SEARCH_ATTRIBUTES; do
  name="${pair%%:*}"
  type="${pair#*:}"
  if registered | grep -qw "$name"; then
    echo "search attribute ${name} is registered"
    continue
  fi
  echo "registering search attribute ${name} (${type}) ..."
  attempt temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "$type" --yes
done

missing=""
for pair in $KISYSTEM_SEARCH_ATTRIBUTES; do
  name="${pair%%:*}"
  registered | grep -qw "$name" || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "search attributes still missing:${missing}" >&2
  exit 1
fi
echo "namespace ${TEMPORAL_NAMESPACE} is ready for kisystem"
