/**
 * Tables for pod controllers and their helpers: podtemplates,
 * replicationcontrollers, replicasets, deployments, statefulsets, daemonsets,
 * jobs, cronjobs, controllerrevisions (upstream v1.32 columns and cells).
 */
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  ReplicaSet,
  StatefulSet,
} from "kubernetes-types/apps/v1.d.ts";
import type { CronJob, Job, JobCondition } from "kubernetes-types/batch/v1.d.ts";
import type { PodTemplate, ReplicationController } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../types.ts";
import { humanDuration, parseTimestamp, timestampSince } from "../duration.ts";
import { formatLabelSelector, labelSelectorFromObject } from "../selectors/label-selector.ts";
import {
  CONTAINERS_DESCRIPTION,
  IMAGES_DESCRIPTION,
  ageColumn,
  ageOf,
  boolPtr,
  column,
  containerCells,
  formatLabels,
  int,
  kindSlashName,
  nameColumn,
  nameOf,
  wide,
  type RowPrinter,
} from "./format.ts";

const containersColumns = () => [
  wide("Containers", CONTAINERS_DESCRIPTION),
  wide("Images", IMAGES_DESCRIPTION),
];

export const podTemplatePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Containers", "string", CONTAINERS_DESCRIPTION),
    column("Images", "string", IMAGES_DESCRIPTION),
    column("Pod Labels", "string", "The labels for the pod template."),
  ],
  row(obj: KObject) {
    const t = obj as PodTemplate;
    const [names, images] = containerCells(t.template?.spec?.containers);
    return [nameOf(obj), names, images, formatLabels(t.template?.metadata?.labels)];
  },
};

export const replicationControllerPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "Number of desired pods."),
    column("Current", "integer", "The most recently observed number of replicas."),
    column("Ready", "integer", "The number of ready replicas for this replication controller."),
    ageColumn(),
    ...containersColumns(),
    wide("Selector", "Label keys and values that pods must match to be controlled."),
  ],
  row(obj: KObject, now: Date) {
    const rc = obj as ReplicationController;
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      rc.spec?.replicas ?? 1,
      int(rc.status?.replicas),
      int(rc.status?.readyReplicas),
      ageOf(obj, now),
      names,
      images,
      formatLabels(rc.spec?.selector),
    ];
  },
};

export const replicaSetPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "Number of desired pods."),
    column("Current", "integer", "The most recently observed number of replicas."),
    column("Ready", "integer", "The number of ready replicas for this replica set."),
    ageColumn(),
    ...containersColumns(),
    wide("Selector", "A label query over pods that should match the replica count."),
  ],
  row(obj: KObject, now: Date) {
    const rs = obj as ReplicaSet;
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      rs.spec?.replicas ?? 1,
      int(rs.status?.replicas),
      int(rs.status?.readyReplicas),
      ageOf(obj, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};

export const deploymentPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Ready", "string", "Number of the pod with ready state"),
    column(
      "Up-to-date",
      "string",
      "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
    ),
    column(
      "Available",
      "string",
      "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    ageColumn(),
    ...containersColumns(),
    wide("Selector", "Label selector for pods."),
  ],
  row(obj: KObject, now: Date) {
    const d = obj as Deployment;
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    const sel = labelSelectorFromObject(d.spec?.selector);
    return [
      nameOf(obj),
      `${int(d.status?.readyReplicas)}/${d.spec?.replicas ?? 1}`,
      int(d.status?.updatedReplicas),
      int(d.status?.availableReplicas),
      ageOf(obj, now),
      names,
      images,
      sel.ok ? sel.selector.toString() : "<invalid>",
    ];
  },
};

export const statefulSetPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Ready", "string", "Number of the pod with ready state"),
    ageColumn(),
    ...containersColumns(),
  ],
  row(obj: KObject, now: Date) {
    const s = obj as StatefulSet;
    const [names, images] = containerCells(s.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      `${int(s.status?.readyReplicas)}/${s.spec?.replicas ?? 1}`,
      ageOf(obj, now),
      names,
      images,
    ];
  },
};

export const daemonSetPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Desired",
      "integer",
      "The total number of nodes that should be running the daemon pod.",
    ),
    column(
      "Current",
      "integer",
      "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
    ),
    column(
      "Ready",
      "integer",
      "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
    ),
    column(
      "Up-to-date",
      "integer",
      "The total number of nodes that are running updated daemon pod.",
    ),
    column(
      "Available",
      "integer",
      "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
    ),
    column(
      "Node Selector",
      "string",
      "NodeSelector is a selector which must be true for the pod to fit on a node.",
    ),
    ageColumn(),
    ...containersColumns(),
    wide("Selector", "A label query over pods that are managed by the daemon set."),
  ],
  row(obj: KObject, now: Date) {
    const ds = obj as DaemonSet;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      int(ds.status?.desiredNumberScheduled),
      int(ds.status?.currentNumberScheduled),
      int(ds.status?.numberReady),
      int(ds.status?.updatedNumberScheduled),
      int(ds.status?.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      ageOf(obj, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

/** upstream hasJobCondition: the first condition of the type decides. */
function hasJobCondition(conditions: JobCondition[] | undefined, type: string): boolean {
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === "True";
}

/** The job STATUS cell. */
export function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasJobCondition(conditions, "Complete")) return "Complete";
  if (hasJobCondition(conditions, "Failed")) return "Failed";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (hasJobCondition(conditions, "Suspended")) return "Suspended";
  if (hasJobCondition(conditions, "FailureTarget")) return "FailureTarget";
  return "Running";
}

export const jobPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Status", "string", "Status of the job."),
    column("Completions", "string", "The number of pods which reached phase Succeeded."),
    column("Duration", "string", "Time required to complete the job."),
    ageColumn(),
    ...containersColumns(),
    wide("Selector", "A label query over pods that should match the pod count."),
  ],
  row(obj: KObject, now: Date) {
    const job = obj as Job;
    const succeeded = int(job.status?.succeeded);
    let completions: string;
    if (job.spec?.completions !== undefined && job.spec.completions !== null) {
      completions = `${succeeded}/${job.spec.completions}`;
    } else {
      const parallelism = job.spec?.parallelism ?? 0;
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = parseTimestamp(job.status?.startTime);
    const end = parseTimestamp(job.status?.completionTime);
    let duration = "";
    if (start !== undefined) {
      duration = humanDuration((end ?? now.getTime()) - start);
    }
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      jobStatus(job),
      completions,
      duration,
      ageOf(obj, now),
      names,
      images,
      formatLabelSelector(job.spec?.selector),
    ];
  },
};

export const cronJobPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Schedule", "string", "The schedule in Cron format."),
    column("Timezone", "string", "The time zone name for the given schedule."),
    column(
      "Suspend",
      "boolean",
      "This flag tells the controller to suspend subsequent executions.",
    ),
    column("Active", "integer", "A list of pointers to currently running jobs."),
    column(
      "Last Schedule",
      "string",
      "Information when was the last time the job was successfully scheduled.",
    ),
    ageColumn(),
    ...containersColumns(),
    wide("Selector", "A label query over pods that should match the pod count."),
  ],
  row(obj: KObject, now: Date) {
    const cj = obj as CronJob;
    const last = cj.status?.lastScheduleTime;
    const template = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(template?.template?.spec?.containers);
    return [
      nameOf(obj),
      cj.spec?.schedule ?? "",
      cj.spec?.timeZone ?? "<none>",
      boolPtr(cj.spec?.suspend),
      (cj.status?.active ?? []).length,
      last ? timestampSince(last, now) : "<none>",
      ageOf(obj, now),
      names,
      images,
      formatLabelSelector(template?.selector),
    ];
  },
};

export const controllerRevisionPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Controller", "string", "Controller of the object"),
    column(
      "Revision",
      "string",
      "Revision indicates the revision of the state represented by Data.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const cr = obj as unknown as ControllerRevision;
    const owner = (cr.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
    const controller = owner ? kindSlashName(owner.apiVersion, owner.kind, owner.name) : "<none>";
    return [nameOf(obj), controller, cr.revision ?? 0, ageOf(obj, now)];
  },
};
