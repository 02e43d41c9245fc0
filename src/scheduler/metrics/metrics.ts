/**
 * The scheduler's Prometheus metrics (upstream names): scheduling attempts
 * and their latency by result and profile, end-to-end scheduling latency,
 * pending pods per sub-queue, preemption attempts and victims. One registry
 * per scheduler instance.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export type AttemptResult = "scheduled" | "unschedulable" | "error";

export class SchedulerMetrics {
  readonly registry = new Registry();
  private readonly attempts: Counter<string>;
  private readonly attemptDuration: Histogram<string>;
  private readonly sliDuration: Histogram<string>;
  private readonly preemptionAttempts: Counter<string>;
  private readonly preemptionVictims: Histogram<string>;

  private pendingPods: () => { active: number; backoff: number; unschedulable: number } = () => ({
    active: 0,
    backoff: 0,
    unschedulable: 0,
  });

  constructor() {
    const registers = [this.registry];
    const pending = () => this.pendingPods();
    this.attempts = new Counter({
      name: "scheduler_schedule_attempts_total",
      help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
      labelNames: ["result", "profile"],
      registers,
    });
    const buckets = [
      0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096,
      8.192, 16.384,
    ];
    this.attemptDuration = new Histogram({
      name: "scheduler_scheduling_attempt_duration_seconds",
      help: "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
      labelNames: ["result", "profile"],
      buckets,
      registers,
    });
    this.sliDuration = new Histogram({
      name: "scheduler_pod_scheduling_sli_duration_seconds",
      help: "E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.",
      labelNames: ["attempts"],
      buckets,
      registers,
    });
    this.preemptionAttempts = new Counter({
      name: "scheduler_preemption_attempts_total",
      help: "Total preemption attempts in the cluster till now",
      registers,
    });
    this.preemptionVictims = new Histogram({
      name: "scheduler_preemption_victims",
      help: "Number of selected preemption victims",
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    new Gauge({
      name: "scheduler_pending_pods",
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods.",
      labelNames: ["queue"],
      registers,
      collect() {
        const s = pending();
        this.set({ queue: "active" }, s.active);
        this.set({ queue: "backoff" }, s.backoff);
        this.set({ queue: "unschedulable" }, s.unschedulable);
        this.set({ queue: "gated" }, 0);
      },
    });
  }

  /** Where scheduler_pending_pods reads the queue sizes from (the running scheduler's queue). */
  setQueueSource(fn: () => { active: number; backoff: number; unschedulable: number }): void {
    this.pendingPods = fn;
  }

  attempt(result: AttemptResult, profile: string, seconds: number): void {
    this.attempts.inc({ result, profile });
    this.attemptDuration.observe({ result, profile }, seconds);
  }

  scheduled(attempts: number, seconds: number): void {
    this.sliDuration.observe({ attempts: String(Math.min(attempts, 15)) }, seconds);
  }

  preemption(victims: number): void {
    this.preemptionAttempts.inc();
    if (victims > 0) this.preemptionVictims.observe(victims);
  }

  /** The exposition text for /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
