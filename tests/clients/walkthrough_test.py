"""The core of the walk-through through the generated Python stubs.

Run by with_suite.sh, which sets IRONORG_GATEWAY_ADDR and IRONORG_DATA_DIR.
The operator creates an organization, its Admin creates a Developer and two
projects and grants one of them, and the Developer lists only that one.
Then a denied, an invalid and an anonymous call each get their status
code. Last, clients/python/example.py lists the Developer's projects. The
first failed step ends the test with a message naming it and exit status 1.
"""

import os
import pathlib
import subprocess
import sys

_REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
_CLIENT_DIR = _REPO_ROOT / "clients" / "python"
sys.path.insert(0, str(_CLIENT_DIR))

# ironorg_client puts the generated stubs on sys.path, so it comes first.
import ironorg_client  # noqa: E402
from ironorg.identity.v1 import auth_pb2  # noqa: E402
from ironorg.identity.v1 import organization_pb2  # noqa: E402
from ironorg.identity.v1 import user_pb2  # noqa: E402
from ironorg.projects.v1 import project_access_pb2  # noqa: E402
from ironorg.projects.v1 import project_pb2  # noqa: E402

grpc = ironorg_client.grpc

PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "ada@acme.example"
DEVELOPER_EMAIL = "dev@acme.example"

_steps_passed = 0


def fail(step, message):
    print(f"FAIL {step}: {message}", file=sys.stderr)
    print(f"{_steps_passed} passed, 1 failed")
    sys.exit(1)


def passed(step):
    global _steps_passed
    _steps_passed += 1
    print(f"ok {_steps_passed:2d} {step}")


def expect_ok(step, call):
    """Return call()'s response, or fail step if the call fails."""
    try:
        return call()
    except grpc.RpcError as error:
        fail(step, f"got {error.code().name} ({error.details()}), "
             "expected OK")


def expect_code(step, code, call):
    """Return the grpc.RpcError of call(), or fail step unless it has code."""
    try:
        call()
    except grpc.RpcError as error:
        if error.code() != code:
            fail(step, f"got {error.code().name} ({error.details()}), "
                 f"expected {code.name}")
        return error
    fail(step, f"succeeded, expected {code.name}")


def check(step, condition, message):
    if not condition:
        fail(step, message)


def display_names(gateway, organization):
    request = project_pb2.ListProjectsRequest(parent=organization)
    return sorted(
        project.display_name for project in ironorg_client.list_all(
            gateway.projects.ListProjects, request, "projects"))


def main():
    address = os.environ["IRONORG_GATEWAY_ADDR"]
    data_dir = pathlib.Path(os.environ["IRONORG_DATA_DIR"])
    operator_token = (data_dir / "operator-token").read_text().strip()

    with ironorg_client.connect(address) as anonymous:
        operator = anonymous.with_token(operator_token)

        step = "operator creates organization Acme"
        request = organization_pb2.CreateOrganizationRequest(
            organization=organization_pb2.Organization(display_name="Acme"),
            admin_email=ADMIN_EMAIL,
            admin_display_name="Ada",
            admin_password=PASSWORD)
        organization = expect_ok(
            step, lambda: operator.organizations.CreateOrganization(request))
        check(step, organization.name.startswith("organizations/"),
              f"organization name {organization.name!r} does not start "
              "with organizations/")
        passed(step)

        step = "Admin logs in"
        login = expect_ok(step, lambda: anonymous.auth.Login(
            auth_pb2.LoginRequest(email=ADMIN_EMAIL, password=PASSWORD)))
        check(step, login.user.role == user_pb2.ROLE_ADMIN,
              f"role is {user_pb2.Role.Name(login.user.role)}, "
              "expected ROLE_ADMIN")
        admin = anonymous.with_token(login.access_token)
        passed(step)

        step = "Admin creates a Developer"
        developer_user = expect_ok(step, lambda: admin.users.CreateUser(
            user_pb2.CreateUserRequest(
                parent=organization.name,
                user=user_pb2.User(email=DEVELOPER_EMAIL,
                                   display_name="Dev",
                                   role=user_pb2.ROLE_DEVELOPER),
                password=PASSWORD)))
        check(step, developer_user.role == user_pb2.ROLE_DEVELOPER,
              f"role is {user_pb2.Role.Name(developer_user.role)}, "
              "expected ROLE_DEVELOPER")
        passed(step)

        projects = {}
        for display_name in ("Website", "Payroll"):
            step = f"Admin creates project {display_name}"
            projects[display_name] = expect_ok(
                step, lambda: admin.projects.CreateProject(
                    project_pb2.CreateProjectRequest(
                        parent=organization.name,
                        project=project_pb2.Project(
                            display_name=display_name))))
            passed(step)

        step = "Admin grants Website to the Developer"
        expect_ok(step, lambda: admin.project_access.GrantProjectAccess(
            project_access_pb2.GrantProjectAccessRequest(
                project=projects["Website"].name, user=developer_user.name)))
        passed(step)

        step = "Admin lists projects (sees both)"
        seen = expect_ok(step,
                         lambda: display_names(admin, organization.name))
        check(step, seen == ["Payroll", "Website"],
              f"saw {seen}, expected ['Payroll', 'Website']")
        passed(step)

        step = "Developer logs in"
        login = expect_ok(step, lambda: anonymous.auth.Login(
            auth_pb2.LoginRequest(email=DEVELOPER_EMAIL, password=PASSWORD)))
        developer = anonymous.with_token(login.access_token)
        passed(step)

        step = "Developer lists projects (sees Website only)"
        seen = expect_ok(step,
                         lambda: display_names(developer, organization.name))
        check(step, seen == ["Website"], f"saw {seen}, expected ['Website']")
        passed(step)

        step = "Developer creates a project"
        expect_code(step, grpc.StatusCode.PERMISSION_DENIED,
                    lambda: developer.projects.CreateProject(
                        project_pb2.CreateProjectRequest(
                            parent=organization.name,
                            project=project_pb2.Project(
                                display_name="Shadow IT"))))
        passed(step)

        step = "Admin lists projects with page_size -1"
        error = expect_code(step, grpc.StatusCode.INVALID_ARGUMENT,
                            lambda: admin.projects.ListProjects(
                                project_pb2.ListProjectsRequest(
                                    parent=organization.name, page_size=-1)))
        check(step, "page_size" in error.details(),
              f"message {error.details()!r} does not name page_size")
        fields = [violation.field
                  for violation in ironorg_client.bad_request_violations(error)]
        check(step, fields == ["page_size"],
              f"BadRequest detail names fields {fields}, "
              "expected ['page_size']")
        passed(step)

        step = "anonymous caller lists projects"
        expect_code(step, grpc.StatusCode.UNAUTHENTICATED,
                    lambda: anonymous.projects.ListProjects(
                        project_pb2.ListProjectsRequest(
                            parent=organization.name)))
        passed(step)

    step = "example.py lists the Developer's projects"
    result = subprocess.run(
        [sys.executable, str(_CLIENT_DIR / "example.py"),
         "--gateway", address, "--email", DEVELOPER_EMAIL],
        env=dict(os.environ, IRONORG_PASSWORD=PASSWORD),
        capture_output=True, text=True, timeout=60, check=False)
    check(step, result.returncode == 0,
          f"exit status {result.returncode}, stderr: {result.stderr.strip()}")
    expected = f"{projects['Website'].name}\tWebsite\n"
    check(step, result.stdout == expected,
          f"printed {result.stdout!r}, expected {expected!r}")
    passed(step)

    print(f"{_steps_passed} passed, 0 failed")


if __name__ == "__main__":
    main()
