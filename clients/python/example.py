#!/usr/bin/python3
"""Log in to the ironorg gateway and list the projects the user may see.

    /usr/bin/python3 clients/python/example.py --gateway 127.0.0.1:50051 \\
        --email ada@acme.example --password 'correct horse battery'

Prints one line per project: its name, a tab, its display name. A Developer
lists only the projects granted to them. The password may come from the
IRONORG_PASSWORD environment variable instead of --password, which other
local users can read in the process list.
"""

import argparse
import os
import sys

# ironorg_client puts the generated stubs on sys.path, so it comes first.
import ironorg_client
from ironorg.identity.v1 import auth_pb2
from ironorg.projects.v1 import project_pb2


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default="127.0.0.1:50051",
                        help="gateway address, host:port "
                        "(default 127.0.0.1:50051)")
    parser.add_argument("--email", required=True,
                        help="email address to log in with")
    parser.add_argument("--password",
                        default=os.environ.get("IRONORG_PASSWORD"),
                        help="password (default: $IRONORG_PASSWORD)")
    parser.add_argument("--ca-file",
                        help="PEM CA certificate of a gateway that serves "
                        "TLS (default: plaintext)")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("missing password: pass --password or set "
                     "IRONORG_PASSWORD")
    return args


def main(argv):
    args = parse_args(argv)
    with ironorg_client.connect(args.gateway, ca_file=args.ca_file) as gateway:
        try:
            login = gateway.auth.Login(
                auth_pb2.LoginRequest(email=args.email,
                                      password=args.password))
        except ironorg_client.grpc.RpcError as error:
            print(f"example: Login failed: {error.code().name}: "
                  f"{error.details()}", file=sys.stderr)
            return 1

        user = gateway.with_token(login.access_token)
        request = project_pb2.ListProjectsRequest(
            parent=ironorg_client.organization_of(login.user.name))
        try:
            for project in ironorg_client.list_all(user.projects.ListProjects,
                                                   request, "projects"):
                print(f"{project.name}\t{project.display_name}")
        except ironorg_client.grpc.RpcError as error:
            print(f"example: ListProjects failed: {error.code().name}: "
                  f"{error.details()}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
