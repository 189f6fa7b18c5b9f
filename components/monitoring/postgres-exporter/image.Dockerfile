# postgres_exporter 0.11 with the custom pg_stat_statements queries (--extend.query-path) and the
# region's Amazon RDS CA certificates (sslrootcert, for sslmode=verify-full against RDS).
# Pinned in components/monitoring/images.ts.
FROM quay.io/prometheuscommunity/postgres-exporter:v0.11.1
COPY queries.yaml /etc/postgres_exporter/queries.yaml
COPY rds-ca.pem /etc/postgres_exporter/rds-ca.pem
USER nobody
