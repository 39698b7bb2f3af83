#!/usr/bin/env python3
"""Provision and inspect the local AWS stand-in (moto server) for the order-status uploader.

The Rust functions, the `orderstatus` CLI and the tests all expect the queues, ledger table and
secrets that infra/template.yaml deploys to AWS. This script deploys that same template into a
moto endpoint (scripts/infra.py), so the whole pipeline runs on a laptop, and writes the
environment those programs read from the stack outputs.

Subcommand:
  up     deploy the template (less functions and schedules), set secrets; write the env file

Dead letters and queues are read with the product's own CLI: `orderstatus dlq list`.

Run by scripts/dev; usable directly with the project's .venv/bin/python.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

import infra
import platforms as registry
from infra import ACCESS_KEY, REGION, SECRET_KEY

# The local stack: infra/template.yaml deployed into moto under this name, so the queues are
# orderstatus-<platform> and orderstatus-<platform>-dlq.
STACK_NAME = "orderstatus"
LEDGER_TTL_ATTRIBUTE = "expires_at"
SECRETS_PREFIX = "orderstatus/"
DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True)
class PlatformQueues:
    """The queue pair of one platform, as exported to the env file."""

    platform: registry.Platform
    queue_url: str
    dlq_url: str


# --- clients ------------------------------------------------------------------------------------


def bypass_proxies() -> None:
    """Requests to 127.0.0.1 must not go through a proxy taken from the environment."""
    for name in ("NO_PROXY", "no_proxy"):
        existing = os.environ.get(name)
        os.environ[name] = "127.0.0.1,localhost" + (f",{existing}" if existing else "")


def client(service: str, endpoint: str):
    """A boto3 client bound to the local endpoint with dummy credentials, never real AWS."""
    return infra.client(service, endpoint)


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


# --- DynamoDB -----------------------------------------------------------------------------------


def ensure_ttl(dynamodb, table: str) -> None:
    """Enable TTL on expires_at unless it already is; enabling twice is an error in DynamoDB."""
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    status = ttl.get("TimeToLiveStatus")
    attribute = ttl.get("AttributeName")
    if status in ("ENABLED", "ENABLING") and attribute == LEDGER_TTL_ATTRIBUTE:
        return
    if status in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": False, "AttributeName": attribute},
        )
    dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": LEDGER_TTL_ATTRIBUTE},
    )


# --- Secrets Manager ----------------------------------------------------------------------------


def secret_name(platform: str, account: str = DEFAULT_ACCOUNT) -> str:
    return f"{SECRETS_PREFIX}{platform}/{account}"


def ensure_secret(secrets, name: str, value: str) -> str:
    """Create the secret or set its value; returns what was done, for the summary.

    An unchanged value is left alone so reruns do not pile up secret versions.
    """
    try:
        secrets.create_secret(Name=name, SecretString=value)
        return "created"
    except ClientError as error:
        if error_code(error) != "ResourceExistsException":
            raise
    try:
        current = secrets.get_secret_value(SecretId=name).get("SecretString")
    except ClientError as error:
        # A secret scheduled for deletion cannot be read or written until restored.
        if error_code(error) != "InvalidRequestException":
            raise
        secrets.restore_secret(SecretId=name)
        current = None
    if current == value:
        return "unchanged"
    secrets.put_secret_value(SecretId=name, SecretString=value)
    return "updated"


# --- env file -----------------------------------------------------------------------------------


def env_lines(endpoint: str, table: str, queues: list[PlatformQueues]) -> list[str]:
    """The variables the functions, the CLI and the tests read to find the local stack."""
    variables = [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("LEDGER_TABLE", table),
        ("SECRETS_PREFIX", SECRETS_PREFIX),
        # Platform sandboxes listen on plain http://127.0.0.1; production insists on https.
        ("ALLOW_INSECURE_HTTP", "true"),
    ]
    for queue in queues:
        variables.append((f"{queue.platform.env_prefix}QUEUE_URL", queue.queue_url))
        variables.append((f"{queue.platform.env_prefix}DEAD_LETTER_QUEUE_URL", queue.dlq_url))
    return [f"export {name}={shlex.quote(value)}" for name, value in variables]


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step, so a shell sourcing it never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


# --- subcommands --------------------------------------------------------------------------------


def parse_secret_args(values: list[str], platforms: list[str]) -> dict[str, str]:
    """PLATFORM=JSON pairs; the JSON must be an object, the platform one of the list's."""
    secrets: dict[str, str] = {}
    for item in values:
        platform, sep, raw = item.partition("=")
        platform = platform.strip()
        if not sep or not platform:
            raise SystemExit(f"error: --secret-json expects PLATFORM=JSON, got {item[:20]!r}…")
        if platform not in platforms:
            raise SystemExit(
                f"error: --secret-json for platform {platform!r}, which infra/platforms.json "
                f"does not list (platforms: {', '.join(platforms)})"
            )
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as error:
            # The value holds credentials: name the position, never echo the text.
            raise SystemExit(
                f"error: --secret-json for {platform}: invalid JSON ({error.msg} at {error.pos})"
            )
        if not isinstance(parsed, dict):
            raise SystemExit(f"error: --secret-json for {platform}: expected a JSON object")
        secrets[platform] = raw.strip()
    return secrets


def platform_queues(outputs: dict[str, str], platforms: list[registry.Platform]) -> list[PlatformQueues]:
    """Each listed platform's queue pair, from the stack outputs `<LogicalId>QueueUrl` and
    `<LogicalId>DeadLetterQueueUrl` (e.g. Cv3QueueUrl for cv3)."""
    queues = []
    for platform in platforms:
        keys = (f"{platform.logical_id}QueueUrl", f"{platform.logical_id}DeadLetterQueueUrl")
        absent = [key for key in keys if key not in outputs]
        if absent:
            raise SystemExit(f"error: the stack has no output {', '.join(absent)}: run scripts/infra.py generate")
        queues.append(PlatformQueues(platform, outputs[keys[0]], outputs[keys[1]]))
    return queues


def command_up(args: argparse.Namespace) -> None:
    """Deploy infra/template.yaml into moto (functions and schedules left out: the local worker
    replaces them), set the secrets and write the env file from the stack outputs."""
    outputs = infra.deploy(args.endpoint, args.stack_name, {"LedgerDeletionProtection": "false"}, local=True)
    queues = platform_queues(outputs, registry.load())
    table = outputs["LedgerTableName"]
    secret_values = parse_secret_args(args.secret_json or [], [queue.platform.name for queue in queues])

    # moto's CloudFormation ignores the table's TimeToLiveSpecification; set it as AWS would.
    ensure_ttl(client("dynamodb", args.endpoint), table)
    secrets = client("secretsmanager", args.endpoint)
    secret_results = {
        secret_name(platform): ensure_secret(secrets, secret_name(platform), value)
        for platform, value in secret_values.items()
    }

    header = "# Generated by scripts/devstack.py up from the stack outputs; rewritten on every `scripts/dev up`.\n"
    write_atomically(Path(args.env_file), header + "\n".join(env_lines(args.endpoint, table, queues)) + "\n")

    print(f"  stack  {args.stack_name} (infra/template.yaml, without functions and schedules)")
    for queue in queues:
        print(f"  queue  {queue.queue_url}")
        print(f"  dlq    {queue.dlq_url}")
    print(f"  table  {table} (pay per request, TTL on {LEDGER_TTL_ATTRIBUTE})")
    for name, result in secret_results.items():
        print(f"  secret {name} ({result})")


# --- command line -------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="create/update local resources and write the env file")
    up.add_argument("--endpoint", required=True, help="moto server URL, e.g. http://127.0.0.1:5000")
    up.add_argument("--env-file", required=True, help="where to write the export lines, e.g. .dev/env")
    up.add_argument("--stack-name", default=STACK_NAME, help=f"CloudFormation stack (default {STACK_NAME})")
    up.add_argument(
        "--secret-json",
        action="append",
        metavar="PLATFORM=JSON",
        help=f"value of secret {SECRETS_PREFIX}PLATFORM/{DEFAULT_ACCOUNT} (repeatable); "
        "platforms without one keep their secret as it is",
    )
    up.set_defaults(run=command_up)
    return root


def main() -> None:
    args = parser().parse_args()
    bypass_proxies()
    try:
        args.run(args)
    except ClientError as error:
        raise SystemExit(f"error: {error}")
    except Exception as error:  # noqa: BLE001 - one line instead of a traceback for connection errors
        if type(error).__module__.startswith(("botocore", "urllib3")):
            raise SystemExit(f"error: cannot reach {getattr(args, 'endpoint', '?')}: {error}")
        raise


if __name__ == "__main__":
    main()
