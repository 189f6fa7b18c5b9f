/**
 * Why an alarm treats missing data as it does, in the words the alarm description carries. Shared by
 * the entries whose silence means "nothing happened" rather than "it is down".
 */
export const NOT_BREACHING_SYMPTOM =
    "notBreaching: no datapoints means no traffic/no samples, not a fault; a dead service is caught by KoronetDown and NoHealthyTargets, which treat missing data as breaching.";
export const NOT_BREACHING_RESOURCE =
    "notBreaching: ECS/RDS/ElastiCache stop publishing when the resource is gone; that is an outage caught by the liveness alarms (KoronetDown and ServiceTasksMissing, which treat missing data as breaching; RedisDown and DatabaseConnectionFailures from the app's side) — this one would only duplicate them.";
