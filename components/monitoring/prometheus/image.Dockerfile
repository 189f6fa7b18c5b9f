# Prometheus with the rendered prometheus.yml and rule files baked in: what is reviewed in
# rendered/<stack>/prometheus is what runs. Pinned in components/monitoring/images.ts.
FROM prom/prometheus:v2.53.2
COPY prometheus.yml /etc/prometheus/prometheus.yml
COPY rules/ /etc/prometheus/rules/
COPY entrypoint.sh /usr/local/bin/koronet-prometheus
USER root
RUN chmod 0555 /usr/local/bin/koronet-prometheus \
 && mkdir -p /run/prometheus \
 && chown nobody:nobody /run/prometheus
USER nobody
# Writable paths (task volumes): the run directory for the filled-in config, and the TSDB.
VOLUME ["/run/prometheus", "/prometheus"]
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/koronet-prometheus"]
