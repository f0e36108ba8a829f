#!/usr/bin/python3
"""Checks the Kubernetes manifests in deploy/k8s without a cluster.

Usage: check_k8s.py K8S_DIR            checks the manifests, exit 1 on errors
       check_k8s.py K8S_DIR --self-test breaks the parsed manifests one way
                                        at a time and exits 1 unless every
                                        break is reported

Runs with Debian's /usr/bin/python3 and python3-yaml.
"""

import copy
import pathlib
import sys

import yaml

NAMESPACE = "ironorg"
SECRET = "ironorg-secrets"
CONFIG_MAP = "ironorg-config"
DATA_PATH = "/var/lib/ironorg"

# Service name -> gRPC port, as in docs/architecture.md.
PORTS = {
    "identity": 50061,
    "projects": 50062,
    "clusters": 50063,
    "billing": 50064,
    "gateway": 50051,
}
STATEFUL = ("identity", "projects", "clusters", "billing")

# Which ironorg processes call which service. A NetworkPolicy must admit
# these callers and nobody else.
CALLERS = {
    "identity": {"gateway", "projects", "clusters"},
    "projects": {"gateway"},
    "clusters": {"gateway"},
    "billing": {"gateway"},
}

NAMESPACED_KINDS = {
    "ConfigMap", "Deployment", "NetworkPolicy", "PersistentVolumeClaim",
    "Secret", "Service",
}


def load(k8s_dir):
    """Returns {file name: [documents]} for every *.yaml in k8s_dir."""
    files = {}
    for path in sorted(pathlib.Path(k8s_dir).glob("*.yaml")):
        with open(path, encoding="utf-8") as stream:
            files[path.name] = [doc for doc in yaml.safe_load_all(stream)
                                if doc is not None]
    return files


def objects(files):
    """Returns {(kind, name): object} over every file but the Kustomization."""
    found = {}
    for documents in files.values():
        for doc in documents:
            if doc.get("kind") == "Kustomization":
                continue
            name = doc.get("metadata", {}).get("name")
            found[(doc.get("kind"), name)] = doc
    return found


def labels_match(selector, labels):
    """Returns True if a label selector selects a pod with `labels`."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key = expression["key"]
        operator = expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def check_structure(files, errors):
    for file_name, documents in files.items():
        if not documents:
            errors.append(f"{file_name}: no YAML document")
        for doc in documents:
            kind = doc.get("kind")
            name = doc.get("metadata", {}).get("name")
            where = f"{file_name}: {kind} {name}"
            if not doc.get("apiVersion") or not kind:
                errors.append(f"{file_name}: a document lacks apiVersion or kind")
                continue
            if kind == "Kustomization":
                continue
            if not name:
                errors.append(f"{where}: missing metadata.name")
            if (kind in NAMESPACED_KINDS
                    and doc["metadata"].get("namespace") != NAMESPACE):
                errors.append(f"{where}: namespace must be {NAMESPACE}")

    kustomizations = [doc for documents in files.values() for doc in documents
                      if doc.get("kind") == "Kustomization"]
    if len(kustomizations) != 1:
        errors.append("expected exactly one Kustomization")
        return
    listed = set(kustomizations[0].get("resources") or [])
    manifests = {name for name, documents in files.items()
                 if all(doc.get("kind") != "Kustomization" for doc in documents)}
    for missing in sorted(manifests - listed):
        errors.append(f"kustomization.yaml does not list {missing}")
    for unknown in sorted(listed - manifests):
        errors.append(f"kustomization.yaml lists {unknown}, which does not exist")


def check_expected_objects(found, errors):
    expected = {("Namespace", NAMESPACE), ("Secret", SECRET),
                ("ConfigMap", CONFIG_MAP)}
    for service in PORTS:
        expected.add(("Deployment", service))
        expected.add(("Service", service))
    for service in STATEFUL:
        expected.add(("PersistentVolumeClaim", f"{service}-data"))
    for kind, name in sorted(expected - set(found)):
        errors.append(f"missing {kind} {name}")
    claims = {name for kind, name in found if kind == "PersistentVolumeClaim"}
    for extra in sorted(claims - {f"{s}-data" for s in STATEFUL}):
        errors.append(f"unexpected PersistentVolumeClaim {extra}")

    secret = found.get(("Secret", SECRET))
    if secret:
        values = secret.get("stringData") or {}
        for key in ("internal-secret", "operator-token"):
            if "PLACEHOLDER" not in str(values.get(key, "")):
                errors.append(f"Secret {SECRET}: {key} must be a value marked "
                              "PLACEHOLDER, never a real secret")


def env_from_secret(container, variable, key):
    for entry in container.get("env") or []:
        if entry.get("name") != variable:
            continue
        ref = (entry.get("valueFrom") or {}).get("secretKeyRef") or {}
        return ref.get("name") == SECRET and ref.get("key") == key
    return False


def check_deployment(service, deployment, found, errors):
    where = f"Deployment {service}"
    port = PORTS[service]
    spec = deployment.get("spec", {})
    template = spec.get("template", {})
    pod_labels = template.get("metadata", {}).get("labels") or {}
    if not labels_match(spec.get("selector") or {}, pod_labels):
        errors.append(f"{where}: selector does not select its own pods")
    containers = template.get("spec", {}).get("containers") or []
    if len(containers) != 1:
        errors.append(f"{where}: expected one container, got {len(containers)}")
        return
    container = containers[0]

    if not str(container.get("image", "")).startswith("ironorg"):
        errors.append(f"{where}: image {container.get('image')!r} is not the "
                      "ironorg image")
    if container.get("command") != [f"ironorg-{service}"]:
        errors.append(f"{where}: command {container.get('command')} must be "
                      f"['ironorg-{service}']")
    if f"--listen_address=0.0.0.0:{port}" not in (container.get("args") or []):
        errors.append(f"{where}: args must contain "
                      f"--listen_address=0.0.0.0:{port}")
    container_ports = [p.get("containerPort") for p in container.get("ports") or []]
    if port not in container_ports:
        errors.append(f"{where}: containerPort {port} missing")

    for probe_name in ("readinessProbe", "livenessProbe"):
        probe = container.get(probe_name) or {}
        grpc_port = (probe.get("grpc") or {}).get("port")
        if grpc_port != port:
            errors.append(f"{where}: {probe_name} must be a native gRPC probe "
                          f"on port {port}, got {probe or 'none'}")

    if not env_from_secret(container, "IRONORG_INTERNAL_SECRET",
                           "internal-secret"):
        errors.append(f"{where}: IRONORG_INTERNAL_SECRET must come from "
                      f"Secret {SECRET}")
    has_operator_token = env_from_secret(container, "IRONORG_OPERATOR_TOKEN",
                                         "operator-token")
    if service == "gateway" and not has_operator_token:
        errors.append(f"{where}: IRONORG_OPERATOR_TOKEN must come from "
                      f"Secret {SECRET}")
    if service != "gateway" and has_operator_token:
        errors.append(f"{where}: only the gateway may get the operator token")
    config_maps = [(ref.get("configMapRef") or {}).get("name")
                   for ref in container.get("envFrom") or []]
    if CONFIG_MAP not in config_maps:
        errors.append(f"{where}: envFrom must include ConfigMap {CONFIG_MAP}")

    pod_security = template.get("spec", {}).get("securityContext") or {}
    if not pod_security.get("runAsNonRoot"):
        errors.append(f"{where}: pods must set runAsNonRoot")

    volumes = template.get("spec", {}).get("volumes") or []
    claims = {v["name"]: v["persistentVolumeClaim"].get("claimName")
              for v in volumes if "persistentVolumeClaim" in v}
    mounts = {m.get("mountPath"): m.get("name")
              for m in container.get("volumeMounts") or []}
    if service in STATEFUL:
        if claims.get(mounts.get(DATA_PATH)) != f"{service}-data":
            errors.append(f"{where}: {DATA_PATH} must be mounted from "
                          f"PersistentVolumeClaim {service}-data")
        if spec.get("replicas") != 1:
            errors.append(f"{where}: a service on SQLite runs one replica")
        if (spec.get("strategy") or {}).get("type") != "Recreate":
            errors.append(f"{where}: strategy must be Recreate, so that two "
                          "pods never open the same SQLite file")
    elif claims:
        errors.append(f"{where}: the gateway stores no data and mounts no "
                      "claim")

    kube_service = found.get(("Service", service))
    if kube_service:
        service_spec = kube_service.get("spec", {})
        if not labels_match({"matchLabels": service_spec.get("selector") or {}},
                            pod_labels):
            errors.append(f"Service {service}: selector does not match the "
                          "Deployment's pods")
        if service_spec.get("type", "ClusterIP") != "ClusterIP":
            errors.append(f"Service {service}: must be ClusterIP; exposure "
                          "goes through the gateway's NetworkPolicy")
        service_ports = [p.get("port") for p in service_spec.get("ports") or []]
        if service_ports != [port]:
            errors.append(f"Service {service}: ports {service_ports} must be "
                          f"[{port}]")


def pod_labels_of(found):
    labels = {}
    for service in PORTS:
        deployment = found.get(("Deployment", service))
        if deployment:
            labels[service] = (deployment["spec"].get("template", {})
                               .get("metadata", {}).get("labels") or {})
    return labels


def admitted_sources(policy_rule, pods):
    """Returns the set of ironorg services an ingress rule admits, plus
    "outside" when it admits anything that is not an ironorg pod."""
    peers = policy_rule.get("from")
    if not peers:
        return {"outside"}
    sources = set()
    for peer in peers:
        if "ipBlock" in peer or "namespaceSelector" in peer:
            sources.add("outside")
            continue
        selector = peer.get("podSelector")
        if selector is None:
            sources.add("outside")
            continue
        # A selector with no name constraint also matches pods that are not
        # part of ironorg, such as a debugging pod started in the namespace.
        constrains_name = (
            "app.kubernetes.io/name" in (selector.get("matchLabels") or {})
            or any(e.get("key") == "app.kubernetes.io/name"
                   and e.get("operator") == "In"
                   for e in selector.get("matchExpressions") or []))
        if not constrains_name:
            sources.add("outside")
        sources |= {s for s, labels in pods.items()
                    if labels_match(selector, labels)}
    return sources


def rule_ports(policy_rule):
    ports = policy_rule.get("ports")
    if not ports:
        return None
    return {p.get("port") for p in ports}


def check_network_policies(found, errors):
    policies = [doc for (kind, _), doc in found.items() if kind == "NetworkPolicy"]
    default_deny = [
        p for p in policies
        if p["spec"].get("podSelector") == {}
        and "Ingress" in (p["spec"].get("policyTypes") or [])
        and not p["spec"].get("ingress")]
    if not default_deny:
        errors.append("no default-deny NetworkPolicy (podSelector {} with "
                      "policyTypes Ingress and no ingress rules)")

    pods = pod_labels_of(found)
    for service, labels in pods.items():
        selecting = [p for p in policies
                     if "Ingress" in (p["spec"].get("policyTypes") or [])
                     and labels_match(p["spec"].get("podSelector") or {}, labels)]
        if not selecting:
            errors.append(f"{service}: no NetworkPolicy selects its pods, so "
                          "it is reachable from anywhere")
            continue
        admitted = set()
        for policy in selecting:
            for rule in policy["spec"].get("ingress") or []:
                ports = rule_ports(rule)
                if ports is not None and PORTS[service] not in ports:
                    continue
                admitted |= admitted_sources(rule, pods)
        if service == "gateway":
            if "outside" not in admitted:
                errors.append("gateway: no NetworkPolicy admits clients from "
                              f"outside on port {PORTS['gateway']}")
            continue
        if "outside" in admitted:
            errors.append(f"{service}: a NetworkPolicy admits callers from "
                          "outside the ironorg pods; only the gateway may be")
        for caller in sorted(CALLERS[service] - admitted):
            errors.append(f"{service}: NetworkPolicy blocks its caller {caller}")
        for extra in sorted(admitted - CALLERS[service] - {"outside"}):
            errors.append(f"{service}: NetworkPolicy admits {extra}, which "
                          "never calls it")


def check(files):
    """Returns the list of errors found in the parsed manifests."""
    errors = []
    check_structure(files, errors)
    found = objects(files)
    check_expected_objects(found, errors)
    for service in PORTS:
        deployment = found.get(("Deployment", service))
        if deployment:
            check_deployment(service, deployment, found, errors)
    check_network_policies(found, errors)
    return errors


def find(files, kind, name):
    for documents in files.values():
        for doc in documents:
            if doc.get("kind") == kind and doc["metadata"].get("name") == name:
                return doc
    raise KeyError(f"{kind} {name}")


def container(files, service):
    return find(files, "Deployment", service)["spec"]["template"]["spec"][
        "containers"][0]


def remove(files, kind, name):
    for file_name, documents in files.items():
        files[file_name] = [d for d in documents
                            if not (d.get("kind") == kind
                                    and d["metadata"].get("name") == name)]


def policy_for(files, service):
    for documents in files.values():
        for doc in documents:
            selector = doc.get("spec", {}).get("podSelector") or {}
            if (doc.get("kind") == "NetworkPolicy"
                    and (selector.get("matchLabels") or {}).get(
                        "app.kubernetes.io/name") == f"ironorg-{service}"):
                return doc
    raise KeyError(f"NetworkPolicy for {service}")


# Each break names what it changes; the check must report it with an error
# containing the text in EXPECTED_ERRORS.
BREAKS = {
    "readiness probe removed": lambda f: container(f, "projects").pop(
        "readinessProbe"),
    "liveness probe not gRPC": lambda f: container(f, "billing").update(
        livenessProbe={"tcpSocket": {"port": 50064}}),
    "probe on the wrong port": lambda f: container(f, "identity")[
        "readinessProbe"]["grpc"].update(port=50051),
    "wrong binary": lambda f: container(f, "gateway").update(
        command=["ironorg-identity"]),
    "foreign image": lambda f: container(f, "clusters").update(
        image="busybox"),
    "claim removed": lambda f: remove(f, "PersistentVolumeClaim",
                                      "billing-data"),
    "data not on the claim": lambda f: container(f, "clusters").update(
        volumeMounts=[]),
    "two replicas on SQLite": lambda f: find(
        f, "Deployment", "identity")["spec"].update(replicas=2),
    "service missing": lambda f: remove(f, "Service", "projects"),
    "service exposed": lambda f: find(f, "Service", "billing")["spec"].update(
        type="LoadBalancer"),
    "default deny removed": lambda f: remove(f, "NetworkPolicy",
                                             "default-deny-ingress"),
    "identity open to all": lambda f: policy_for(f, "identity")["spec"][
        "ingress"].append({}),
    "projects open to a namespace": lambda f: policy_for(f, "projects")[
        "spec"]["ingress"][0]["from"].append({"namespaceSelector": {}}),
    "clusters policy removed": lambda f: remove(
        f, "NetworkPolicy", policy_for(f, "clusters")["metadata"]["name"]),
    "caller blocked": lambda f: policy_for(f, "identity")["spec"]["ingress"][
        0]["from"][0]["podSelector"]["matchExpressions"][0].update(
            values=["ironorg-gateway"]),
    "gateway closed": lambda f: policy_for(f, "gateway")["spec"].update(
        ingress=[]),
    "real secret": lambda f: find(f, "Secret", SECRET)["stringData"].update(
        {"operator-token": "iop_0123456789"}),
    "secret not from Secret": lambda f: container(f, "projects").update(
        env=[]),
    "file not in kustomization": lambda f: f.update(
        {"extra.yaml": [{"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "extra",
                                      "namespace": NAMESPACE}}]}),
}


EXPECTED_ERRORS = {
    "readiness probe removed":
        "readinessProbe must be a native gRPC probe",
    "liveness probe not gRPC":
        "livenessProbe must be a native gRPC probe",
    "probe on the wrong port":
        "on port 50061",
    "wrong binary":
        "must be ['ironorg-gateway']",
    "foreign image":
        "is not the ironorg image",
    "claim removed":
        "missing PersistentVolumeClaim billing-data",
    "data not on the claim":
        "mounted from PersistentVolumeClaim clusters-data",
    "two replicas on SQLite":
        "runs one replica",
    "service missing":
        "missing Service projects",
    "service exposed":
        "Service billing: must be ClusterIP",
    "default deny removed":
        "no default-deny NetworkPolicy",
    "identity open to all":
        "identity: a NetworkPolicy admits callers from outside",
    "projects open to a namespace":
        "projects: a NetworkPolicy admits callers from outside",
    "clusters policy removed":
        "clusters: NetworkPolicy blocks its caller gateway",
    "caller blocked":
        "identity: NetworkPolicy blocks its caller projects",
    "gateway closed":
        "gateway: no NetworkPolicy admits clients from outside",
    "real secret":
        "operator-token must be a value marked PLACEHOLDER",
    "secret not from Secret":
        "IRONORG_INTERNAL_SECRET must come from",
    "file not in kustomization":
        "does not list extra.yaml",
}


def self_test(files):
    """Returns the names of the breaks that check() does not report."""
    failures = []
    for name, apply_break in BREAKS.items():
        broken = copy.deepcopy(files)
        apply_break(broken)
        errors = check(broken)
        if not any(EXPECTED_ERRORS[name] in error for error in errors):
            failures.append(f"{name} (got {errors})")
    return failures


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--self-test"):
        print(__doc__, file=sys.stderr)
        return 2
    files = load(argv[1])
    errors = check(files)
    for error in errors:
        print(f"error: {error}")
    if errors:
        return 1
    if len(argv) == 3:
        failures = self_test(files)
        for failure in failures:
            print(f"error: the check misses a break: {failure}")
        if failures:
            return 1
        print(f"all {len(BREAKS)} breaks were reported")
        return 0
    print(f"{len(files)} manifest files are consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
