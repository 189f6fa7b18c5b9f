#!/bin/sh
# Copies the baked, reviewed config into the writable run directory, filling in the values that only
# exist after deployment (the Amazon Managed Prometheus workspace ID, when remote_write is on; in a
# pair, this replica's name), then execs Prometheus. Rule files stay where the image put them; the
# config finds them relatively.
set -eu
src=${PROMETHEUS_SRC_DIR:-/etc/prometheus}
run=${PROMETHEUS_RUN_DIR:-/run/prometheus}
if grep -q AMP_WORKSPACE_ID "$src/prometheus.yml"; then
  if [ -z "${AMP_WORKSPACE_ID-}" ]; then
    echo "prometheus.yml writes to Amazon Managed Prometheus but AMP_WORKSPACE_ID is empty" >&2
    exit 64
  fi
  case "$AMP_WORKSPACE_ID" in ws-*) ;; *) echo "AMP_WORKSPACE_ID must look like ws-..." >&2; exit 64 ;; esac
fi
# One replica of a pair: the `replica` external label is this task's identity, from the task
# metadata endpoint (container response, label com.amazonaws.ecs.task-arn), so the two replicas
# differ without two task definitions.
replica=PROMETHEUS_REPLICA
if grep -q PROMETHEUS_REPLICA "$src/prometheus.yml"; then
  if [ -z "${ECS_CONTAINER_METADATA_URI_V4-}" ]; then
    echo "prometheus.yml names this replica, but ECS_CONTAINER_METADATA_URI_V4 is not set" >&2
    exit 64
  fi
  arn=$(wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4" | tr -d '\n' | sed -n 's/.*"com\.amazonaws\.ecs\.task-arn": *"\([^"]*\)".*/\1/p')
  case "$arn" in
  arn:*:task/*) replica="task-${arn##*/}" ;;
  *) echo "no task ARN in the task metadata at $ECS_CONTAINER_METADATA_URI_V4" >&2; exit 64 ;;
  esac
fi
sed -e "s/AMP_WORKSPACE_ID/${AMP_WORKSPACE_ID-AMP_WORKSPACE_ID}/g" -e "s/PROMETHEUS_REPLICA/$replica/g" "$src/prometheus.yml" > "$run/prometheus.yml"
ln -sfn "$src/rules" "$run/rules"
bin=${PROMETHEUS_BIN:-/bin/prometheus}
unset PROMETHEUS_SRC_DIR PROMETHEUS_RUN_DIR PROMETHEUS_BIN
exec "$bin" --config.file="$run/prometheus.yml" "$@"
