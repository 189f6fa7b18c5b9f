# postgres_exporter 0.11 with the custom pg_stat_statements queries (--extend.query-path).
# Pinned in components/monitoring/images.ts.
FROM quay.io/prometheuscommunity/postgres-exporter:v0.11.1
COPY queries.yaml /etc/postgres_exporter/queries.yaml
USER nobody
