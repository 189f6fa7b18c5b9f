# Grafana with its provisioning (datasource, dashboard provider) and the generated dashboards baked
# in: what is reviewed in rendered/<stack>/grafana is what runs. Pinned in components/monitoring/images.ts.
FROM grafana/grafana:11.2.0
COPY --chown=472:0 provisioning/ /etc/grafana/provisioning/
COPY --chown=472:0 dashboards/ /var/lib/grafana-dashboards/
USER 472
