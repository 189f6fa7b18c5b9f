#!/bin/sh
# Copies the baked, reviewed config into the writable run directory, filling in the one value that
# only exists after deployment (the Amazon Managed Prometheus workspace ID, when remote_write is on),
# then execs Prometheus. Rule files stay where the image put them; the config finds them relatively.
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
sed "s/AMP_WORKSPACE_ID/${AMP_WORKSPACE_ID-AMP_WORKSPACE_ID}/g" "$src/prometheus.yml" > "$run/prometheus.yml"
ln -sfn "$src/rules" "$run/rules"
unset PROMETHEUS_SRC_DIR PROMETHEUS_RUN_DIR
exec /bin/prometheus --config.file="$run/prometheus.yml" "$@"
