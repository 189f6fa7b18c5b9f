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
# (UNSET_SECRET_PLACEHOLDER in components/alerting/notifier/convention.ts; a test holds them equal).
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

# Single replica: no gossip cluster (and no listener on 9094).
unset ALERTMANAGER_RUN_DIR ALERTMANAGER_BIN
exec "$bin" \
  --config.file="$dir/alertmanager.yml" \
  --storage.path=/alertmanager \
  --cluster.listen-address= \
  --web.listen-address=:9093 \
  "$@"
