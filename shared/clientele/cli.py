"""`clientele`: manage API keys of a Clientele stack.

Against the stack `make run` serves: run it from the project root (it reads .clientele/stack.json,
or CLIENTELE_STATE_DIR). Against a deployed stack: set CLIENTELE_TABLE (the stack's TableName
output) and the usual AWS credentials and region.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from clientele import aws
from clientele.errors import ClienteleError
from clientele.tenancy import Environment


class TargetError(RuntimeError):
    pass


def _use_local_stack() -> str:
    state_dir = Path(os.environ.get("CLIENTELE_STATE_DIR", ".clientele"))
    stack_file = state_dir / "stack.json"
    if not stack_file.exists():
        raise TargetError(
            f"No running local stack found ({stack_file} is missing): start one with `make run` "
            "from the project root, or set CLIENTELE_TABLE to act on a deployed stack."
        )
    stack = json.loads(stack_file.read_text())
    port = os.environ.get("PORT")
    if port and str(stack["port"]) != port:
        raise TargetError(f"The local stack in {state_dir} serves port {stack['port']}, not PORT={port}.")
    os.environ.update(
        TABLE_NAME=stack["tableName"],
        AWS_ENDPOINT_URL=stack["awsEndpointUrl"],
        AWS_DEFAULT_REGION=stack.get("region", "us-east-1"),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's fixed dummy credentials
    )
    return f"local stack on {stack['baseUrl']}"


def _choose_target() -> str:
    table = os.environ.get("CLIENTELE_TABLE")
    if table:
        os.environ["TABLE_NAME"] = table
        return f"table {table}"
    return _use_local_stack()


def _create(args: argparse.Namespace) -> None:
    from clientele.keys import create_key

    new = create_key(args.org, args.env, read_only=args.read_only)
    kind = "read-only" if args.read_only else "secret"
    print(f"Created {kind} key {new.key_id} for organization {args.org} ({args.env}).")
    print("Store it now: it is shown only once.")
    print(new.secret)


def _list(args: argparse.Namespace) -> None:
    from clientele.keys import list_keys

    records = list_keys(args.org)
    if not records:
        print(f"No keys for organization {args.org}.")
        return
    print(f"{'KEY ID':32} {'ENV':8} {'SCOPE':6} {'KEY':20} {'CREATED':25} REVOKED")
    for record in records:
        print(
            f"{record.key_id:32} {record.environment:8} {record.scope:6} {record.hint:20} "
            f"{record.created_at:25} {record.revoked_at or '-'}"
        )


def _revoke(args: argparse.Namespace) -> None:
    from clientele.keys import revoke_key

    record = revoke_key(args.key_id)
    print(f"Revoked {record.key_id} ({record.hint}) of organization {record.organization} at {record.revoked_at}.")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="clientele", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    groups = root.add_subparsers(dest="group", required=True)
    keys = groups.add_parser("keys", help="create, list and revoke API keys").add_subparsers(
        dest="action", required=True
    )

    create = keys.add_parser("create", help="create a key; it is printed once, as the last line")
    create.add_argument("--org", required=True, help="organization id")
    create.add_argument("--env", required=True, choices=[str(env) for env in Environment])
    create.add_argument("--read-only", action="store_true", help="an rk_ key that can only read")
    create.set_defaults(run=_create)

    listing = keys.add_parser("list", help="list an organization's keys (never the secrets)")
    listing.add_argument("--org", required=True, help="organization id")
    listing.set_defaults(run=_list)

    revoke = keys.add_parser("revoke", help="revoke a key by its id (key_…)")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        target = _choose_target()
        aws.reset()
        print(f"Using {target}.", file=sys.stderr)
        args.run(args)
    except (TargetError, ValueError, ClienteleError) as error:
        message = error.message if isinstance(error, ClienteleError) else str(error)
        print(f"clientele: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
