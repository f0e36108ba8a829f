"""A small Python client for the ironorg gateway on the generated stubs.

Open one channel to the gateway, then take one view of it per caller:

    gateway = ironorg_client.connect("127.0.0.1:50051")
    login = gateway.auth.Login(auth_pb2.LoginRequest(email=..., password=...))
    admin = gateway.with_token(login.access_token)
    admin.projects.ListProjects(project_pb2.ListProjectsRequest(parent=...))

The message modules and stubs are generated at build time into
build/clients/python (see clients/python/CMakeLists.txt). Importing this
module puts that folder, or the one named by IRONORG_PYTHON_STUBS_DIR, on
sys.path. They need Debian's python3-grpcio and python3-protobuf, which are
installed for /usr/bin/python3, so run the clients with that interpreter.
"""

import collections
import os
import pathlib
import sys

_REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _stubs_dir():
    configured = os.environ.get("IRONORG_PYTHON_STUBS_DIR")
    if configured:
        return pathlib.Path(configured)
    build_dir = os.environ.get("IRONORG_BUILD_DIR", str(_REPO_ROOT / "build"))
    return pathlib.Path(build_dir) / "clients" / "python"


STUBS_DIR = _stubs_dir()
if str(STUBS_DIR) not in sys.path:
    sys.path.insert(0, str(STUBS_DIR))

try:
    import grpc
except ImportError as error:
    raise ImportError(
        f"the grpc module is missing from {sys.executable}: run the client "
        "with /usr/bin/python3 after scripts/setup.sh installed "
        "python3-grpcio and python3-protobuf") from error

try:
    from google.rpc import error_details_pb2
    from google.rpc import status_pb2
    from ironorg.billing.v1 import billing_account_pb2_grpc
    from ironorg.billing.v1 import plan_pb2_grpc
    from ironorg.billing.v1 import subscription_pb2_grpc
    from ironorg.clusters.v1 import cluster_access_pb2_grpc
    from ironorg.clusters.v1 import cluster_pb2_grpc
    from ironorg.clusters.v1 import runner_pb2_grpc
    from ironorg.gateway.v1 import access_pb2_grpc
    from ironorg.identity.v1 import auth_pb2_grpc
    from ironorg.identity.v1 import organization_pb2_grpc
    from ironorg.identity.v1 import user_pb2_grpc
    from ironorg.projects.v1 import project_access_pb2_grpc
    from ironorg.projects.v1 import project_pb2_grpc
except ImportError as error:
    raise ImportError(
        f"generated stubs not found in {STUBS_DIR}: build with "
        "scripts/build.sh, or set IRONORG_PYTHON_STUBS_DIR to the folder "
        "that holds the generated ironorg package") from error

# The deadline of a call that sets none. The gateway caps every call at 30 s
# by default (--max_call_timeout), so a longer one would not help.
DEFAULT_TIMEOUT_SECONDS = 30.0

_STATUS_DETAILS_KEY = "grpc-status-details-bin"


class _CallDetails(
        collections.namedtuple(
            "_CallDetails",
            ("method", "timeout", "metadata", "credentials", "wait_for_ready",
             "compression")),
        grpc.ClientCallDetails):
    pass


class _CallDefaults(grpc.UnaryUnaryClientInterceptor):
    """Interceptor that adds the bearer token and default deadline to calls.

    Every public method of the API is unary, so no streaming interceptor is
    needed.
    """

    def __init__(self, token):
        self._token = token

    def intercept_unary_unary(self, continuation, client_call_details,
                              request):
        metadata = list(client_call_details.metadata or ())
        if self._token:
            metadata.append(("authorization", f"Bearer {self._token}"))
        timeout = client_call_details.timeout
        if timeout is None:
            timeout = DEFAULT_TIMEOUT_SECONDS
        details = _CallDetails(client_call_details.method, timeout, metadata,
                               client_call_details.credentials,
                               client_call_details.wait_for_ready,
                               client_call_details.compression)
        return continuation(details, request)


class Gateway:
    """The public services of the gateway, called as one caller.

    Each attribute is the generated stub of one service, named after it:
    organizations, users, auth, projects, project_access, clusters,
    cluster_access, runners, plans, subscriptions, billing_accounts and
    access (the gateway's own AccessService). Views made by with_token share
    the channel, and closing any of them closes it for all.
    """

    def __init__(self, channel, token=None):
        self._channel = channel
        self.token = token
        calls = grpc.intercept_channel(channel, _CallDefaults(token))
        self.organizations = organization_pb2_grpc.OrganizationServiceStub(
            calls)
        self.users = user_pb2_grpc.UserServiceStub(calls)
        self.auth = auth_pb2_grpc.AuthServiceStub(calls)
        self.projects = project_pb2_grpc.ProjectServiceStub(calls)
        self.project_access = (
            project_access_pb2_grpc.ProjectAccessServiceStub(calls))
        self.clusters = cluster_pb2_grpc.ClusterServiceStub(calls)
        self.cluster_access = (
            cluster_access_pb2_grpc.ClusterAccessServiceStub(calls))
        self.runners = runner_pb2_grpc.RunnerServiceStub(calls)
        self.plans = plan_pb2_grpc.PlanServiceStub(calls)
        self.subscriptions = subscription_pb2_grpc.SubscriptionServiceStub(
            calls)
        self.billing_accounts = (
            billing_account_pb2_grpc.BillingAccountServiceStub(calls))
        self.access = access_pb2_grpc.AccessServiceStub(calls)

    def with_token(self, token):
        """Return a view of the same channel that sends token as a bearer."""
        return Gateway(self._channel, token)

    def anonymous(self):
        """Return a view of the same channel that sends no token."""
        return Gateway(self._channel)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def connect(address, token=None, ca_file=None):
    """Open a channel to the gateway at address ("host:port").

    Without ca_file the channel is plaintext, which the gateway serves only
    on loopback. With ca_file (PEM) it is TLS, verified against that CA.
    """
    if ca_file is None:
        channel = grpc.insecure_channel(address)
    else:
        root_certificates = pathlib.Path(ca_file).read_bytes()
        channel = grpc.secure_channel(
            address,
            grpc.ssl_channel_credentials(root_certificates=root_certificates))
    return Gateway(channel, token)


def organization_of(resource_name):
    """Return "organizations/{org}" for any name inside that organization."""
    parts = resource_name.split("/")
    if len(parts) < 2 or parts[0] != "organizations" or not parts[1]:
        raise ValueError(
            f"{resource_name!r} is not a name inside an organization, "
            "expected organizations/{organization}/...")
    return "/".join(parts[:2])


def list_all(method, request, field):
    """Yield every item of a paginated List call, page by page.

    method is a stub method such as gateway.projects.ListProjects, request
    its request message (page_token is overwritten) and field the repeated
    field of the response, e.g. "projects".
    """
    request.page_token = ""
    while True:
        response = method(request)
        yield from getattr(response, field)
        if not response.next_page_token:
            return
        request.page_token = response.next_page_token


def error_status(error):
    """Return the google.rpc.Status that error carries in its trailers.

    The gateway sends it in the grpc-status-details-bin trailer whenever the
    status has details (google.rpc.BadRequest, google.rpc.RetryInfo).
    Returns None when error carries none.
    """
    for key, value in error.trailing_metadata() or ():
        if key == _STATUS_DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def bad_request_violations(error):
    """Return the field violations of error's google.rpc.BadRequest detail.

    Each violation has field (e.g. "page_size") and description. Returns an
    empty list when error carries no BadRequest detail.
    """
    status = error_status(error)
    if status is None:
        return []
    violations = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend(bad_request.field_violations)
    return violations
