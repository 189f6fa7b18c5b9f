/**
 * Sizes of the tasks the EC2 capacity carries (components/monitoring places them there):
 * Prometheus, and the node exporter and cAdvisor DAEMONs on every instance. Config checks that the
 * chosen instance type can hold them; `test/config/capacity.test.ts` checks the plan uses exactly
 * these sizes, so the two cannot drift.
 */
export const HOST_TASKS = {
    prometheus: { cpu: 512, memory: 1536 },
    nodeExporter: { cpu: 128, memory: 128 },
    cadvisor: { cpu: 128, memory: 256 },
} as const;

/**
 * Share of an instance's nominal memory left for tasks. The ECS agent registers less memory than
 * the instance type's nominal figure (the kernel and agent keep some), and a task whose memory does
 * not fit the registered figure is never placed
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/memory-management.html).
 */
export const REGISTERED_MEMORY_SHARE = 0.9;

export function hostTasksMemoryMiB(): number {
    return HOST_TASKS.prometheus.memory + HOST_TASKS.nodeExporter.memory + HOST_TASKS.cadvisor.memory;
}
