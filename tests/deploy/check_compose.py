#!/usr/bin/python3
"""Validates docker-compose.yml with `docker-compose config`, no engine needed.

Usage: check_compose.py REPO_DIR             checks the compose file
       check_compose.py REPO_DIR --self-test breaks the resolved file one way
                                             at a time and exits 1 unless
                                             every break is reported

Writes a throwaway .env into a temporary folder, never into the repository,
and also checks that `config` fails without the two secrets. Runs with
Debian's /usr/bin/python3, python3-yaml and docker-compose.
"""

import copy
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

PORTS = {
    "identity": 50061,
    "projects": 50062,
    "clusters": 50063,
    "billing": 50064,
    "gateway": 50051,
}
STATEFUL = ("identity", "projects", "clusters", "billing")
DATA_PATH = "/var/lib/ironorg"
THROWAWAY_SECRET = "throwaway-internal-secret-for-the-compose-check"
THROWAWAY_TOKEN = "iop_throwaway-operator-token"


def run_config(repo_dir, env_lines):
    """Runs `docker-compose config` with an .env of `env_lines` in a temp dir.

    Returns (exit code, standard output, standard error).
    """
    with tempfile.TemporaryDirectory(prefix="ironorg-compose-") as temp_dir:
        env_file = pathlib.Path(temp_dir) / ".env"
        env_file.write_text("".join(f"{line}\n" for line in env_lines),
                            encoding="utf-8")
        # A variable of the caller's shell would override the .env file.
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith("IRONORG_")}
        result = subprocess.run(
            ["docker-compose", "--project-directory", str(repo_dir),
             "-f", str(pathlib.Path(repo_dir) / "docker-compose.yml"),
             "--env-file", str(env_file), "config"],
            capture_output=True, text=True, env=environment, check=False)
    return result.returncode, result.stdout, result.stderr


def published_port(entry):
    """Returns (host IP, published port) of a compose port entry in the short
    form "[HOST_IP:]PUBLISHED:TARGET[/PROTOCOL]" or the long form."""
    if isinstance(entry, dict):
        return str(entry.get("host_ip", "")), str(entry.get("published", ""))
    parts = str(entry).split("/")[0].split(":")
    if len(parts) == 3:
        return parts[0], parts[1]
    if len(parts) == 2:
        return "", parts[0]
    return "", ""


def check(config):
    """Returns the list of errors in the resolved compose configuration."""
    errors = []
    services = config.get("services") or {}
    if set(services) != set(PORTS):
        errors.append(f"services {sorted(services)} must be {sorted(PORTS)}")

    for name, port in PORTS.items():
        service = services.get(name)
        if service is None:
            continue
        command = service.get("command") or []
        if not command or command[0] != f"ironorg-{name}":
            errors.append(f"{name}: command must start with ironorg-{name}, "
                          f"got {command}")
        if f"--listen_address=0.0.0.0:{port}" not in command:
            errors.append(f"{name}: command must listen on 0.0.0.0:{port}")
        expected_test = ["CMD", f"ironorg-{name}",
                         f"--health_probe=127.0.0.1:{port}"]
        test = (service.get("healthcheck") or {}).get("test")
        if test != expected_test:
            errors.append(f"{name}: healthcheck test must be {expected_test}, "
                          f"got {test}")
        if not str(service.get("image", "")).startswith("ironorg"):
            errors.append(f"{name}: image must be the ironorg image")
        environment = service.get("environment") or {}
        if environment.get("IRONORG_INTERNAL_SECRET") != THROWAWAY_SECRET:
            errors.append(f"{name}: IRONORG_INTERNAL_SECRET must come from .env")
        has_token = environment.get("IRONORG_OPERATOR_TOKEN") == THROWAWAY_TOKEN
        if name == "gateway" and not has_token:
            errors.append("gateway: IRONORG_OPERATOR_TOKEN must come from .env")
        if name != "gateway" and "IRONORG_OPERATOR_TOKEN" in environment:
            errors.append(f"{name}: only the gateway may get the operator token")

        volumes = [str(v) for v in service.get("volumes") or []]
        data_volume = f"{name}-data:{DATA_PATH}"
        mounted = any(v.startswith(data_volume) for v in volumes)
        if name in STATEFUL and not mounted:
            errors.append(f"{name}: {DATA_PATH} must be the named volume "
                          f"{name}-data")
        if name in STATEFUL and f"{name}-data" not in (config.get("volumes")
                                                       or {}):
            errors.append(f"volume {name}-data is not declared")

        ports = [published_port(p) for p in service.get("ports") or []]
        if name == "gateway":
            if ports != [("127.0.0.1", str(port))]:
                errors.append(f"gateway: must publish only {port} on the "
                              f"host's 127.0.0.1, got {ports}")
        elif ports:
            errors.append(f"{name}: publishes {ports}; only the gateway may")

    gateway = services.get("gateway") or {}
    depends = gateway.get("depends_on") or {}
    for name in STATEFUL:
        condition = (depends.get(name) or {}).get("condition") \
            if isinstance(depends, dict) else None
        if condition != "service_healthy":
            errors.append(f"gateway: must wait for {name} to be healthy")
    return errors


BREAKS = {
    "wrong binary": (
        lambda c: c["services"]["billing"].update(command=["ironorg-identity"]),
        "billing: command must start with ironorg-billing"),
    "health check removed": (
        lambda c: c["services"]["projects"].pop("healthcheck"),
        "projects: healthcheck test"),
    "probe on the wrong port": (
        lambda c: c["services"]["identity"]["healthcheck"].update(
            test=["CMD", "ironorg-identity", "--health_probe=127.0.0.1:50051"]),
        "identity: healthcheck test"),
    "volume removed": (
        lambda c: c["services"]["clusters"].update(volumes=[]),
        "clusters: /var/lib/ironorg must be the named volume"),
    "service port published": (
        lambda c: c["services"]["identity"].update(
            ports=[{"published": 50061, "target": 50061}]),
        "identity: publishes"),
    "gateway on every interface": (
        lambda c: c["services"]["gateway"].update(ports=["50051:50051"]),
        "gateway: must publish only"),
    "token for a service": (
        lambda c: c["services"]["billing"]["environment"].update(
            IRONORG_OPERATOR_TOKEN="x"),
        "billing: only the gateway may get the operator token"),
    "gateway starts early": (
        lambda c: c["services"]["gateway"].update(depends_on=["identity"]),
        "gateway: must wait for"),
    "service missing": (
        lambda c: c["services"].pop("billing"),
        "services ["),
}


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--self-test"):
        print(__doc__, file=sys.stderr)
        return 2
    if shutil.which("docker-compose") is None:
        print("error: docker-compose is not installed; run scripts/setup.sh")
        return 1
    repo_dir = argv[1]

    code, output, messages = run_config(repo_dir, [
        f"IRONORG_INTERNAL_SECRET={THROWAWAY_SECRET}",
        f"IRONORG_OPERATOR_TOKEN={THROWAWAY_TOKEN}"])
    if code != 0:
        print(f"error: docker-compose config exited {code}:\n{messages}")
        return 1
    config = yaml.safe_load(output)
    errors = check(config)

    code, _, messages = run_config(repo_dir, [])
    if code == 0 or "IRONORG_INTERNAL_SECRET" not in messages:
        errors.append("docker-compose config must fail naming "
                      "IRONORG_INTERNAL_SECRET when .env lacks it, got exit "
                      f"{code}: {messages.strip()}")

    for error in errors:
        print(f"error: {error}")
    if errors:
        return 1

    if len(argv) == 3:
        failures = []
        for name, (apply_break, expected) in BREAKS.items():
            broken = copy.deepcopy(config)
            apply_break(broken)
            found = check(broken)
            if not any(expected in error for error in found):
                failures.append(f"{name} (got {found})")
        for failure in failures:
            print(f"error: the check misses a break: {failure}")
        if failures:
            return 1
        print(f"all {len(BREAKS)} breaks were reported")
        return 0
    print("docker-compose.yml is valid and consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
