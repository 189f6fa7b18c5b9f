# Grafana with its provisioning (datasource, dashboard provider) and the generated dashboards baked
# in: what is reviewed in rendered/<stack>/grafana is what runs. Pinned in components/monitoring/images.ts.
FROM grafana/grafana:11.2.0
COPY --chown=472:0 provisioning/ /etc/grafana/provisioning/
COPY --chown=472:0 dashboards/ /var/lib/grafana-dashboards/
# Grafana writes its data directory (SQLite database, plugins) and /tmp, both ECS task volumes on a
# read-only root filesystem. Declared as VOLUMEs, ECS copies each directory, owner and mode
# included, into the task volume at the same path; an undeclared one is root-owned 0755
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html).
USER root
RUN chown 472:0 /var/lib/grafana \
 && chmod 0770 /var/lib/grafana \
 && chown 0:0 /tmp \
 && chmod 1777 /tmp
USER 472
VOLUME ["/var/lib/grafana", "/tmp"]
