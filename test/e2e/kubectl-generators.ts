/**
 * kubectl create generator commands (run in one namespace, in this order: later
 * ones refer to earlier objects) with the message upstream's kubectl prints and
 * the table header of a get of the object made.
 */
export interface GeneratorCase {
  args: string[];
  message: string;
  get: string[];
  header: string[];
}

export const generatorCases: GeneratorCase[] = [
  {
    args: ["create", "deployment", "web", "--image=nginx:1.25", "--replicas=2"],
    message: "deployment.apps/web created",
    get: ["get", "deploy", "web"],
    header: ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
  },
  {
    args: ["create", "service", "clusterip", "svc-a", "--tcp=80:8080"],
    message: "service/svc-a created",
    get: ["get", "svc", "svc-a"],
    header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
  },
  {
    args: ["create", "service", "nodeport", "svc-b", "--tcp=80:8080"],
    message: "service/svc-b created",
    get: ["get", "svc", "svc-b"],
    header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
  },
  {
    args: ["create", "service", "loadbalancer", "svc-c", "--tcp=80:8080"],
    message: "service/svc-c created",
    get: ["get", "svc", "svc-c"],
    header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
  },
  {
    args: ["create", "service", "externalname", "svc-d", "--external-name=example.com"],
    message: "service/svc-d created",
    get: ["get", "svc", "svc-d"],
    header: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
  },
  {
    args: ["create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=2"],
    message: "configmap/cfg created",
    get: ["get", "cm", "cfg"],
    header: ["NAME", "DATA", "AGE"],
  },
  {
    args: ["create", "secret", "generic", "gen", "--from-literal=user=admin"],
    message: "secret/gen created",
    get: ["get", "secret", "gen"],
    header: ["NAME", "TYPE", "DATA", "AGE"],
  },
  {
    args: [
      "create",
      "secret",
      "docker-registry",
      "reg",
      "--docker-server=registry.example.com",
      "--docker-username=u",
      "--docker-password=p",
    ],
    message: "secret/reg created",
    get: ["get", "secret", "reg"],
    header: ["NAME", "TYPE", "DATA", "AGE"],
  },
  {
    args: [
      "create",
      "cronjob",
      "hello",
      "--schedule=*/1 * * * *",
      "--image=busybox",
      "--",
      "/bin/sh",
      "-c",
      "date; echo Hello",
    ],
    message: "cronjob.batch/hello created",
    get: ["get", "cronjob", "hello"],
    header: ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
  },
  {
    args: ["create", "job", "once", "--image=busybox", "--", "true"],
    message: "job.batch/once created",
    get: ["get", "job", "once"],
    header: ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
  },
  {
    args: ["create", "job", "from-cron", "--from=cronjob/hello"],
    message: "job.batch/from-cron created",
    get: ["get", "job", "from-cron"],
    header: ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
  },
  {
    args: ["create", "role", "reader", "--verb=get,list", "--resource=pods"],
    message: "role.rbac.authorization.k8s.io/reader created",
    get: ["get", "role", "reader"],
    header: ["NAME", "CREATED AT"],
  },
  {
    args: ["create", "rolebinding", "rb", "--role=reader", "--user=alice"],
    message: "rolebinding.rbac.authorization.k8s.io/rb created",
    get: ["get", "rolebinding", "rb"],
    header: ["NAME", "ROLE", "AGE"],
  },
  {
    args: ["create", "clusterrole", "par-reader", "--verb=get", "--resource=nodes"],
    message: "clusterrole.rbac.authorization.k8s.io/par-reader created",
    get: ["get", "clusterrole", "par-reader"],
    header: ["NAME", "CREATED AT"],
  },
  {
    args: ["create", "clusterrolebinding", "par-crb", "--clusterrole=par-reader", "--group=devs"],
    message: "clusterrolebinding.rbac.authorization.k8s.io/par-crb created",
    get: ["get", "clusterrolebinding", "par-crb"],
    header: ["NAME", "ROLE", "AGE"],
  },
  {
    args: ["create", "quota", "q", "--hard=pods=10,cpu=2"],
    message: "resourcequota/q created",
    get: ["get", "quota", "q"],
    header: ["NAME", "REQUEST", "LIMIT", "AGE"],
  },
  {
    args: ["create", "priorityclass", "par-high", "--value=1000", "--description=test"],
    message: "priorityclass.scheduling.k8s.io/par-high created",
    get: ["get", "priorityclass", "par-high"],
    header: ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"],
  },
  {
    args: ["create", "pdb", "pdb", "--selector=app=web", "--min-available=1"],
    message: "poddisruptionbudget.policy/pdb created",
    get: ["get", "pdb", "pdb"],
    header: ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
  },
  {
    args: ["create", "ingress", "ing", "--rule=foo.com/bar=svc-a:80"],
    message: "ingress.networking.k8s.io/ing created",
    get: ["get", "ingress", "ing"],
    header: ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
  },
  {
    args: ["create", "serviceaccount", "sa"],
    message: "serviceaccount/sa created",
    get: ["get", "sa", "sa"],
    header: ["NAME", "SECRETS", "AGE"],
  },
];
