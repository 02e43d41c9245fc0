/**
 * Tables for policy, scheduling, coordination, node, RBAC and certificate
 * kinds: poddisruptionbudgets, leases, priorityclasses, runtimeclasses,
 * rolebindings, clusterrolebindings, certificatesigningrequests.
 */
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.d.ts";
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import type { RuntimeClass } from "kubernetes-types/node/v1.d.ts";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.d.ts";
import type { RoleBinding, Subject } from "kubernetes-types/rbac/v1.d.ts";
import type { PriorityClass } from "kubernetes-types/scheduling/v1.d.ts";
import type { KObject } from "../types.ts";
import { humanDuration } from "../duration.ts";
import {
  ageColumn,
  ageOf,
  column,
  intOrString,
  int,
  nameColumn,
  nameOf,
  wide,
  CREATED_DESCRIPTION,
  type RowPrinter,
} from "./format.ts";

export const podDisruptionBudgetPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Min Available", "string", "The minimum number of pods that must be available."),
    column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
    column(
      "Allowed Disruptions",
      "integer",
      "Calculated number of pods that may be disrupted at this time.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const pdb = obj as PodDisruptionBudget;
    const min = pdb.spec?.minAvailable;
    const max = pdb.spec?.maxUnavailable;
    return [
      nameOf(obj),
      min === undefined || min === null ? "N/A" : intOrString(min),
      max === undefined || max === null ? "N/A" : intOrString(max),
      int(pdb.status?.disruptionsAllowed),
      ageOf(obj, now),
    ];
  },
};

export const leasePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Holder",
      "string",
      "holderIdentity contains the identity of the holder of a current lease.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    return [nameOf(obj), (obj as Lease).spec?.holderIdentity ?? "", ageOf(obj, now)];
  },
};

export const priorityClassPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Value", "integer", "value represents the integer value of this priority class."),
    column(
      "Global-Default",
      "boolean",
      "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.",
    ),
    ageColumn(),
    column(
      "PreemptionPolicy",
      "string",
      "preemptionPolicy is the Policy for preempting pods with lower priority.",
    ),
  ],
  row(obj: KObject, now: Date) {
    const pc = obj as unknown as PriorityClass;
    return [
      nameOf(obj),
      int(pc.value),
      pc.globalDefault ?? false,
      ageOf(obj, now),
      pc.preemptionPolicy ?? "",
    ];
  },
};

export const runtimeClassPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Handler",
      "string",
      "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    return [nameOf(obj), (obj as unknown as RuntimeClass).handler ?? "", ageOf(obj, now)];
  },
};

/** Upstream rbac.SubjectsStrings: users, groups and "namespace/name" service accounts. */
export function subjectsStrings(subjects: Subject[] | undefined): [string[], string[], string[]] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === "ServiceAccount") sas.push(`${s.namespace ?? ""}/${s.name}`);
    else if (s.kind === "User") users.push(s.name);
    else if (s.kind === "Group") groups.push(s.name);
  }
  return [users, groups, sas];
}

function bindingPrinter(what: string): RowPrinter {
  return {
    columns: [
      nameColumn(),
      column(
        "Role",
        "string",
        "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.",
      ),
      ageColumn(),
      wide("Users", `Users in the ${what}`),
      wide("Groups", `Groups in the ${what}`),
      wide("ServiceAccounts", `ServiceAccounts in the ${what}`),
    ],
    row(obj: KObject, now: Date) {
      const b = obj as unknown as RoleBinding;
      const [users, groups, sas] = subjectsStrings(b.subjects);
      return [
        nameOf(obj),
        `${b.roleRef?.kind ?? ""}/${b.roleRef?.name ?? ""}`,
        ageOf(obj, now),
        users.join(", "),
        groups.join(", "),
        sas.join(", "),
      ];
    },
  };
}

export const roleBindingPrinter = bindingPrinter("roleBinding");
export const clusterRoleBindingPrinter = bindingPrinter("clusterRoleBinding");

/** The CONDITION cell: Denied/Approved/Pending, then ",Failed" and ",Issued". */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) status += ",Failed";
  if (csr.status?.certificate) status += ",Issued";
  return status;
}

export const certificateSigningRequestPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Age", "string", CREATED_DESCRIPTION),
    column(
      "SignerName",
      "string",
      "signerName indicates the requested signer, and is a qualified name.",
    ),
    column(
      "Requestor",
      "string",
      'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.',
    ),
    column(
      "RequestedDuration",
      "string",
      "expirationSeconds is the requested duration of validity of the issued certificate.",
    ),
    column(
      "Condition",
      "string",
      'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".',
    ),
  ],
  row(obj: KObject, now: Date) {
    const csr = obj as unknown as CertificateSigningRequest;
    const seconds = csr.spec?.expirationSeconds;
    return [
      nameOf(obj),
      ageOf(obj, now),
      csr.spec?.signerName || "<none>",
      csr.spec?.username ?? "",
      seconds === undefined || seconds === null ? "<none>" : humanDuration(seconds * 1000),
      csrCondition(csr),
    ];
  },
};
