#!/bin/sh
# Writes secrets from the environment (ECS `secrets`) to files readable only by this user, writes
# the rendered config, removes both from the environment and execs Alertmanager. The secret values
# never appear in the config, in the task definition or in a process's environment after exec.
set -eu
umask 077
# Overridable only so the script can be tested outside the image.
dir=${ALERTMANAGER_RUN_DIR:-/run/alertmanager}
bin=${ALERTMANAGER_BIN:-/bin/alertmanager}
secrets="$dir/secrets"
mkdir -p "$secrets"

# The value every `external` secret is created with until an operator fills it
# (UNSET_SECRET_PLACEHOLDER in functions/src/contract/convention.ts; a test holds them equal).
placeholder='UNSET: fill with aws secretsmanager put-secret-value'

# to_file VAR FILE: write $VAR (if set and filled) to FILE without a trailing newline. A placeholder
# leaves FILE out: Alertmanager then fails only the integration that reads it (its notify pipeline
# runs each integration on its own, and counts alertmanager_notifications_failed_total), while
# Slack and email still deliver. The secret follower redeploys the service once the value is put.
to_file() {
  eval "value=\${$1-}"
  if [ "$value" = "$placeholder" ]; then
    echo "$1 is not filled yet (placeholder): $2 not written; that integration fails until the secret is put" >&2
  elif [ -n "$value" ]; then
    printf '%s' "$value" > "$2"
  fi
  value=
  unset "$1"
}

to_file NOTIFIER_TOKEN "$secrets/notifier-token"
to_file PAGERDUTY_ROUTING_KEY "$secrets/pagerduty-routing-key"

if [ -z "${ALERTMANAGER_CONFIG-}" ]; then
  echo "ALERTMANAGER_CONFIG is empty; refusing to start without the rendered config" >&2
  exit 64
fi
printf '%s\n' "$ALERTMANAGER_CONFIG" > "$dir/alertmanager.yml"
unset ALERTMANAGER_CONFIG

# A cluster when the task definition names peers (--cluster.peer=alertmanager.<namespace>:9094):
# each task advertises its own awsvpc address, read from the task metadata endpoint (container
# response, Networks[0].IPv4Addresses[0]), because Alertmanager cannot be sure to guess it and peers
# must reach exactly that address (https://prometheus.io/docs/alerting/latest/high_availability/,
# "Unroutable advertise addresses"). Without peers: a single instance, no listener on 9094.
cluster=--cluster.listen-address=
case " $* " in
*" --cluster.peer="*)
  cluster=
  case " $* " in
  *" --cluster.advertise-address="*) ;;
  *)
    if [ -z "${ECS_CONTAINER_METADATA_URI_V4-}" ]; then
      echo "clustered Alertmanager needs its task's address, but ECS_CONTAINER_METADATA_URI_V4 is not set" >&2
      exit 64
    fi
    ip=$(wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4" | tr -d '\n' | sed -n 's/.*"IPv4Addresses": *\[ *"\([0-9.]*\)".*/\1/p')
    if [ -z "$ip" ]; then
      echo "no IPv4 address in the task metadata at $ECS_CONTAINER_METADATA_URI_V4" >&2
      exit 64
    fi
    # The port peers reach: the one this task listens on for gossip.
    port=$(printf '%s\n' "$@" | sed -n 's/^--cluster\.listen-address=.*:\([0-9][0-9]*\)$/\1/p' | tail -n 1)
    cluster="--cluster.advertise-address=$ip:${port:-9094}"
    ;;
  esac
  ;;
esac

unset ALERTMANAGER_RUN_DIR ALERTMANAGER_BIN
exec "$bin" \
  --config.file="$dir/alertmanager.yml" \
  --storage.path=/alertmanager \
  ${cluster:+"$cluster"} \
  --web.listen-address=:9093 \
  "$@"
