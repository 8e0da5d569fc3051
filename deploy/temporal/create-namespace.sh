#!/bin/sh
# One-shot job (admin-tools image): creates the namespace and registers the custom search attributes, both
# idempotently, so it runs on every `docker compose up`. SEARCH_ATTRIBUTES holds `Name=Type` pairs.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
ATTEMPTS="${TEMPORAL_HEALTH_CHECK_ATTEMPTS:-30}"

attempt=1
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  if [ "$attempt" -ge "$ATTEMPTS" ]; then
    echo "Temporal at ${TEMPORAL_ADDRESS} did not become healthy" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 5
done

if temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  echo "namespace ${NAMESPACE} exists"
else
  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION" --address "$TEMPORAL_ADDRESS"
  echo "namespace ${NAMESPACE} created"
fi

# A new namespace reaches the frontend's namespace cache a few seconds after `create` returns; until then the
# search-attribute call answers "not found", so that answer is retried for a while.
for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  attempt=1
  until output=$(temporal operator search-attribute create --name "$name" --type "$type" -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" 2>&1); do
    if echo "$output" | grep -qi "already exists"; then
      break
    elif echo "$output" | grep -qi "not found" && [ "$attempt" -lt 30 ]; then
      attempt=$((attempt + 1))
      sleep 1
    else
      echo "$output" >&2
      exit 1
    fi
  done
  if echo "$output" | grep -qi "already exists"; then
    echo "search attribute ${name} already exists"
  else
    echo "search attribute ${name} (${type}) registered"
  fi
done
