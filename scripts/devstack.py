#!/usr/bin/env python3
"""Provision and inspect the local AWS stand-in (moto server) for the order-status uploader.

The Rust functions, the `orderstatus` CLI and the tests all expect the same queues, ledger table
and secrets that infra/ deploys to AWS. This script creates them against a moto endpoint so the
whole pipeline runs on a laptop, and writes the environment those programs read.

Subcommands:
  up     create or update queues, DLQs, the ledger table and secrets; write the env file
  dlq    list the messages of a (dead-letter) queue without consuming them
  depth  show how many messages a queue holds

Run by scripts/dev; usable directly with the project's .venv/bin/python.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
# moto accepts any credentials; fixed dummies keep real ones out of local runs by construction.
ACCESS_KEY = "test"
SECRET_KEY = "test"

# Platforms provisioned when none is named. Extend this list as platform crates land.
DEFAULT_PLATFORMS = ["cv3", "sellercenter"]

LEDGER_TABLE = "orderstatus-ledger"
LEDGER_TTL_ATTRIBUTE = "expires_at"
SECRETS_PREFIX = "orderstatus/"
DEFAULT_ACCOUNT = "default"

QUEUE_VISIBILITY_TIMEOUT = 30
DLQ_RETENTION_SECONDS = 1_209_600  # 14 days, the SQS maximum: time for an operator to look
MAX_RECEIVE_COUNT = 3

ATTRIBUTE_PREFIX = "orderstatus."
BODY_PREVIEW = 80
ATTRIBUTE_PREVIEW = 60

PLATFORM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class PlatformQueues:
    """The queue pair of one platform, as exported to the env file."""

    platform: str
    queue_url: str
    dlq_url: str


# --- clients ------------------------------------------------------------------------------------


def bypass_proxies() -> None:
    """Requests to 127.0.0.1 must not go through a proxy taken from the environment."""
    for name in ("NO_PROXY", "no_proxy"):
        existing = os.environ.get(name)
        os.environ[name] = "127.0.0.1,localhost" + (f",{existing}" if existing else "")


def client(service: str, endpoint: str):
    """A boto3 client bound to the local endpoint, never to real AWS."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


# --- SQS ----------------------------------------------------------------------------------------


def ensure_queue(sqs, name: str, attributes: dict[str, str]) -> str:
    """Create the queue, or bring an existing one to the wanted attributes.

    CreateQueue on an existing queue with different attributes fails (QueueAlreadyExists), so
    an existing queue is updated with SetQueueAttributes instead; reruns are therefore no-ops.
    """
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error_code(error) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def queue_arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def ensure_platform_queues(sqs, platform: str) -> PlatformQueues:
    """The platform's DLQ first (the queue's redrive policy needs its ARN), then the queue."""
    dlq_url = ensure_queue(
        sqs,
        f"orderstatus-{platform}-dlq",
        {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
    )
    redrive = {"deadLetterTargetArn": queue_arn(sqs, dlq_url), "maxReceiveCount": MAX_RECEIVE_COUNT}
    queue_url = ensure_queue(
        sqs,
        f"orderstatus-{platform}",
        {
            "VisibilityTimeout": str(QUEUE_VISIBILITY_TIMEOUT),
            "RedrivePolicy": json.dumps(redrive),
        },
    )
    return PlatformQueues(platform, queue_url, dlq_url)


# --- DynamoDB -----------------------------------------------------------------------------------


def ensure_ledger_table(dynamodb) -> None:
    """The ledger: on-demand, pk/sk string keys, TTL on expires_at (mirrors infra/)."""
    key_schema = [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    try:
        table = dynamodb.describe_table(TableName=LEDGER_TABLE)["Table"]
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        dynamodb.create_table(
            TableName=LEDGER_TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=key_schema,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
        )
        dynamodb.get_waiter("table_exists").wait(
            TableName=LEDGER_TABLE, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
    else:
        # Keys cannot be changed in place; say so rather than run against the wrong shape.
        if sorted(map(tuple_of, table["KeySchema"])) != sorted(map(tuple_of, key_schema)):
            raise SystemExit(
                f"error: table {LEDGER_TABLE} exists with key schema {table['KeySchema']}; "
                "expected pk (HASH) + sk (RANGE). Restart moto (scripts/dev down && scripts/dev up)."
            )
        if table.get("BillingModeSummary", {}).get("BillingMode") != "PAY_PER_REQUEST":
            dynamodb.update_table(TableName=LEDGER_TABLE, BillingMode="PAY_PER_REQUEST")
    ensure_ttl(dynamodb)


def tuple_of(key: dict[str, str]) -> tuple[str, str]:
    return key["AttributeName"], key["KeyType"]


def ensure_ttl(dynamodb) -> None:
    """Enable TTL on expires_at unless it already is; enabling twice is an error in DynamoDB."""
    ttl = dynamodb.describe_time_to_live(TableName=LEDGER_TABLE)["TimeToLiveDescription"]
    status = ttl.get("TimeToLiveStatus")
    attribute = ttl.get("AttributeName")
    if status in ("ENABLED", "ENABLING") and attribute == LEDGER_TTL_ATTRIBUTE:
        return
    if status in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(
            TableName=LEDGER_TABLE,
            TimeToLiveSpecification={"Enabled": False, "AttributeName": attribute},
        )
    dynamodb.update_time_to_live(
        TableName=LEDGER_TABLE,
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


def env_name(platform: str) -> str:
    return platform.upper().replace("-", "_")


def env_lines(endpoint: str, queues: list[PlatformQueues]) -> list[str]:
    """The variables the functions, the CLI and the tests read to find the local stack."""
    variables = [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("LEDGER_TABLE", LEDGER_TABLE),
        ("SECRETS_PREFIX", SECRETS_PREFIX),
        # Platform sandboxes listen on plain http://127.0.0.1; production insists on https.
        ("ALLOW_INSECURE_HTTP", "true"),
    ]
    for queue in queues:
        variables.append((f"{env_name(queue.platform)}_QUEUE_URL", queue.queue_url))
        variables.append((f"{env_name(queue.platform)}_DEAD_LETTER_QUEUE_URL", queue.dlq_url))
    return [f"export {name}={shlex.quote(value)}" for name, value in variables]


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step, so a shell sourcing it never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


# --- subcommands --------------------------------------------------------------------------------


def parse_secret_args(values: list[str], platforms: list[str]) -> dict[str, str]:
    """PLATFORM=JSON pairs; the JSON must be an object, the platform one being provisioned."""
    secrets: dict[str, str] = {}
    for item in values:
        platform, sep, raw = item.partition("=")
        platform = platform.strip()
        if not sep or not platform:
            raise SystemExit(f"error: --secret-json expects PLATFORM=JSON, got {item[:20]!r}…")
        if platform not in platforms:
            raise SystemExit(
                f"error: --secret-json for platform {platform!r}, which is not provisioned "
                f"(platforms: {', '.join(platforms)}; add it with --platform {platform})"
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


def command_up(args: argparse.Namespace) -> None:
    """Bring queues, table and secrets to the wanted state and write the env file."""
    platforms = list(dict.fromkeys(args.platform or DEFAULT_PLATFORMS))
    for platform in platforms:
        if not PLATFORM_NAME.match(platform):
            raise SystemExit(f"error: platform name {platform!r} must match {PLATFORM_NAME.pattern}")
    secret_values = parse_secret_args(args.secret_json or [], platforms)

    sqs = client("sqs", args.endpoint)
    queues = [ensure_platform_queues(sqs, platform) for platform in platforms]
    ensure_ledger_table(client("dynamodb", args.endpoint))
    secrets = client("secretsmanager", args.endpoint)
    secret_results = {
        secret_name(platform): ensure_secret(secrets, secret_name(platform), value)
        for platform, value in secret_values.items()
    }

    header = "# Generated by scripts/devstack.py up; rewritten on every `scripts/dev up`.\n"
    write_atomically(Path(args.env_file), header + "\n".join(env_lines(args.endpoint, queues)) + "\n")

    for queue in queues:
        print(f"  queue  {queue.queue_url}")
        print(f"  dlq    {queue.dlq_url}")
    print(f"  table  {LEDGER_TABLE} (pay per request, TTL on {LEDGER_TTL_ATTRIBUTE})")
    for name, result in secret_results.items():
        print(f"  secret {name} ({result})")


def peek_messages(sqs, queue_url: str, limit: int) -> list[dict]:
    """Receive without consuming: visibility 0, never delete, stop once nothing new turns up.

    A receive with visibility 0 can return the same messages again, so results are deduplicated
    by message id; the number of calls is bounded so a busy queue cannot keep us looping.
    """
    seen: dict[str, dict] = {}
    fruitless = 0
    for _ in range(limit // 10 + 10):
        if len(seen) >= limit or fruitless >= 3:
            break
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        fresh = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
        fruitless = 0 if fresh else fruitless + 1
        for message in fresh:
            seen[message["MessageId"]] = message
    return list(seen.values())[:limit]


def attribute_text(attribute: dict) -> str:
    if "StringValue" in attribute:
        return attribute["StringValue"]
    if "BinaryValue" in attribute:
        return f"<binary {len(attribute['BinaryValue'])} bytes>"
    return ""


def shorten(text: str, width: int | None) -> str:
    text = " ".join(text.split())  # one line per message, whatever the body's layout
    if width is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"


def render_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def attribute_columns(messages: list[dict]) -> list[str]:
    """The orderstatus.* attribute names present, the ones an operator reads first leading."""
    present = {
        name
        for message in messages
        for name in message.get("MessageAttributes", {})
        if name.startswith(ATTRIBUTE_PREFIX)
    }
    leading = [f"{ATTRIBUTE_PREFIX}{name}" for name in ("outcome", "reason", "error")]
    return [name for name in leading if name in present] + sorted(present - set(leading))


def command_dlq(args: argparse.Namespace) -> None:
    """Show dead letters: id, the orderstatus.* attributes the worker set, a body preview."""
    sqs = client("sqs", args.endpoint)
    redrive = sqs.get_queue_attributes(QueueUrl=args.queue_url, AttributeNames=["RedrivePolicy"])
    if redrive.get("Attributes", {}).get("RedrivePolicy") and not args.force:
        # Every peek counts as a receive; on a queue with a redrive policy that moves messages
        # to its DLQ after maxReceiveCount peeks.
        raise SystemExit(
            "error: this queue has a redrive policy, so peeking would count receives and push "
            "messages to its DLQ; pass --force to peek anyway"
        )
    messages = peek_messages(sqs, args.queue_url, args.max)
    if not messages:
        print("(no messages)")
        return
    names = attribute_columns(messages)
    width = None if args.full else ATTRIBUTE_PREVIEW
    rows = [["MESSAGE ID", *(name[len(ATTRIBUTE_PREFIX) :].upper() for name in names), "BODY"]]
    for message in messages:
        attributes = message.get("MessageAttributes", {})
        rows.append(
            [
                message["MessageId"],
                *(shorten(attribute_text(attributes.get(name, {})), width) or "-" for name in names),
                shorten(message.get("Body", ""), BODY_PREVIEW),
            ]
        )
    print(render_table(rows))
    print(f"({len(messages)} message{'s' if len(messages) != 1 else ''})")


def command_depth(args: argparse.Namespace) -> None:
    """Queue depth as SQS reports it (approximate; exact on moto)."""
    sqs = client("sqs", args.endpoint)
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=args.queue_url, AttributeNames=names)["Attributes"]
    counts = {name: int(attributes.get(name, 0)) for name in names}
    if args.total:
        print(sum(counts.values()))
    else:
        print(" ".join(f"{name}={count}" for name, count in counts.items()))


# --- command line -------------------------------------------------------------------------------


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="create/update local resources and write the env file")
    up.add_argument("--endpoint", required=True, help="moto server URL, e.g. http://127.0.0.1:5000")
    up.add_argument("--env-file", required=True, help="where to write the export lines, e.g. .dev/env")
    up.add_argument(
        "--platform",
        action="append",
        metavar="NAME",
        help=f"platform to provision (repeatable; default: {' '.join(DEFAULT_PLATFORMS)})",
    )
    up.add_argument(
        "--secret-json",
        action="append",
        metavar="PLATFORM=JSON",
        help=f"value of secret {SECRETS_PREFIX}PLATFORM/{DEFAULT_ACCOUNT} (repeatable); "
        "platforms without one keep their secret as it is",
    )
    up.set_defaults(run=command_up)

    dlq = commands.add_parser("dlq", help="list a queue's messages without consuming them")
    dlq.add_argument("--endpoint", required=True)
    dlq.add_argument("--queue-url", required=True)
    dlq.add_argument(
        "--max", type=positive, default=100, help="show at most this many messages (default 100)"
    )
    dlq.add_argument("--full", action="store_true", help="do not shorten attribute values")
    dlq.add_argument("--force", action="store_true", help="peek even at a queue with a redrive policy")
    dlq.set_defaults(run=command_dlq)

    depth = commands.add_parser("depth", help="show a queue's visible and in-flight message counts")
    depth.add_argument("--endpoint", required=True)
    depth.add_argument("--queue-url", required=True)
    depth.add_argument("--total", action="store_true", help="print only the sum, for scripts")
    depth.set_defaults(run=command_depth)
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
