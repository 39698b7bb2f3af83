#!/usr/bin/env python3
"""The SAM template (infra/template.yaml), offline: generate it from the list of platforms, lint
it, transform it to plain CloudFormation, and deploy it into a CloudFormation endpoint such as
moto server.

`scripts/dev up` deploys the very template that `sam deploy` deploys to AWS, so local and cloud
cannot drift; the template tests (tests/infra/test_template.py) deploy it into the test moto.

Subcommands:
  generate   write infra/template.yaml from infra/platforms.json and infra/blocks/
             (--check: only tell whether the committed file is stale, exit 1 if it is)
  lint       cfn-lint the template (errors and warnings both fail)
  transform  print the plain CloudFormation JSON that the SAM transform makes of it
  deploy     create or update a stack from it at a moto endpoint and print the stack outputs

Run with the project's .venv/bin/python (scripts/dev and scripts/test create it).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import platforms as registry
import template_generator

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = template_generator.TEMPLATE
REGION = "us-east-1"
# moto accepts any credentials; fixed dummies keep real ones out of local runs by construction.
ACCESS_KEY = "test"
SECRET_KEY = "test"

# `sam package` replaces each function's local CodeUri with the S3 object it uploaded; offline
# we do the same with a fixed location (deploy uploads a stand-in zip there).
CODE_BUCKET = "orderstatus-local-code"
CODE_KEY = "bootstrap.zip"

# What `local` deploys leave out: the local worker (`orderstatus worker`) replaces the functions,
# and moto would try to run a function in Docker as soon as a message reached a queue with an
# event source mapping. Resources that refer to these are left out with them.
LOCAL_EXCLUDED_TYPES = (
    "AWS::Lambda::",
    "AWS::Scheduler::",
    "AWS::IAM::Role",
    "AWS::Logs::LogGroup",
)

TEMPLATE_HASH_TAG = "orderstatus:template-sha256"

# Resource types moto's CloudFormation (5.2.5) skips with a warning. A stack output that refers
# to one makes moto fail the whole stack, so deploys into moto leave such outputs out (the
# template tests check them in the transformed template).
MOTO_SKIPPED_TYPES = (
    "AWS::Lambda::Url",
    "AWS::Scheduler::Schedule",
    "AWS::CloudWatch::Alarm",
    "AWS::SQS::QueuePolicy",
)


# --- the template --------------------------------------------------------------------------------


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """Parse the YAML with CloudFormation's short tags (!Ref, !GetAtt, …) as cfn-lint does."""
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    if matches:
        raise SystemExit(f"error: {path} does not parse: " + "; ".join(str(m) for m in matches))
    # Plain dicts and strings, so that the translator and json.dumps see ordinary values.
    return json.loads(json.dumps(template))


class NoManagedPolicies:
    """The template names no AWS managed policy by short name, so none need looking up in IAM
    (which would be a network call); SAM's own policies are written as full ARNs."""

    def load(self) -> dict[str, str]:
        return {}


def transform(
    sam_template: dict[str, Any],
    parameters: dict[str, str] | None = None,
    code_bucket: str = CODE_BUCKET,
    code_key: str = CODE_KEY,
) -> dict[str, Any]:
    """The plain CloudFormation template that the SAM transform makes, offline."""
    from samtranslator.translator.transform import transform as sam_transform

    # The translator resolves AWS::Region through boto3's session; offline that is the
    # environment's region, or ours.
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    template = copy.deepcopy(sam_template)
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{code_bucket}/{code_key}"
            resource.pop("Metadata", None)
    return sam_transform(template, parameters or {}, NoManagedPolicies())


def references(value: Any) -> set[str]:
    """Logical ids a template value refers to (Ref, Fn::GetAtt, ${…} in Fn::Sub, DependsOn)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found.update(part.split("}")[0].split(".")[0] for part in text.split("${")[1:])
                found.update(references(inner))
            elif key == "DependsOn":
                found.update([inner] if isinstance(inner, str) else inner)
            else:
                found.update(references(inner))
    elif isinstance(value, list):
        for inner in value:
            found.update(references(inner))
    return found


def without_functions(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The template less functions, schedules, their roles and logs, and whatever refers to
    them; returns the removed logical ids too."""
    pruned = copy.deepcopy(template)
    resources = pruned["Resources"]
    removed = {
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"].startswith(LOCAL_EXCLUDED_TYPES)
    }
    while True:
        dependants = {
            logical_id
            for logical_id, resource in resources.items()
            if logical_id not in removed and references(resource) & removed
        }
        if not dependants:
            break
        removed |= dependants
    for logical_id in removed:
        del resources[logical_id]
    outputs = pruned.get("Outputs", {})
    for name in [name for name, output in outputs.items() if references(output) & removed]:
        del outputs[name]
    return pruned, sorted(removed)


def without_outputs_moto_cannot_resolve(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The template less the outputs that refer to resources moto does not create."""
    pruned = copy.deepcopy(template)
    skipped = {k for k, v in pruned["Resources"].items() if v["Type"].startswith(MOTO_SKIPPED_TYPES)}
    outputs = pruned.get("Outputs", {})
    dropped = sorted(name for name, output in outputs.items() if references(output) & skipped)
    for name in dropped:
        del outputs[name]
    return pruned, dropped


# --- deploying -----------------------------------------------------------------------------------


def client(service: str, endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60),
    )


def stand_in_code() -> bytes:
    """A zip with an executable `bootstrap`, so that CloudFormation can create the functions.
    moto stores it and never runs it here: the tests run the real binaries themselves."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        archive.writestr(info, "#!/bin/sh\necho 'stand-in: deploy a zip built by scripts/package' >&2\nexit 1\n")
    return buffer.getvalue()


def upload_code(endpoint: str, code: bytes) -> None:
    s3 = client("s3", endpoint)
    try:
        s3.create_bucket(Bucket=CODE_BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_object(Bucket=CODE_BUCKET, Key=CODE_KEY, Body=code)


def wait_for_stack(cloudformation, stack_name: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        status = stack["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                reason = stack.get("StackStatusReason", "")
                raise SystemExit(f"error: stack {stack_name} ended in {status} {reason}".rstrip())
            return stack
        if time.monotonic() > deadline:
            raise SystemExit(f"error: stack {stack_name} still {status} after {timeout:.0f} s")
        time.sleep(0.5)


def find_stack(cloudformation, stack_name: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return stacks[0] if stacks else None


def deploy(
    endpoint: str,
    stack_name: str,
    parameters: dict[str, str] | None = None,
    local: bool = False,
    code: bytes | None = None,
) -> dict[str, str]:
    """Create the stack, or replace it when the template or parameters changed; answer its
    outputs. Reruns with the same inputs change nothing (the inputs' hash is a stack tag)."""
    parameters = dict(parameters or {})
    template = transform(load_template(), parameters)
    if local:
        template, _ = without_functions(template)
    else:
        upload_code(endpoint, code or stand_in_code())
    template, _ = without_outputs_moto_cannot_resolve(template)
    body = json.dumps(template, sort_keys=True)
    digest = hashlib.sha256((body + json.dumps(parameters, sort_keys=True)).encode()).hexdigest()

    cloudformation = client("cloudformation", endpoint)
    existing = find_stack(cloudformation, stack_name)
    if existing and existing["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        tags = {tag["Key"]: tag["Value"] for tag in existing.get("Tags", [])}
        if tags.get(TEMPLATE_HASH_TAG) == digest:
            return outputs_of(existing)
    if existing:
        # moto's stack updates are partial; a local stack is cheap to make anew.
        cloudformation.delete_stack(StackName=stack_name)
        wait_until_deleted(cloudformation, stack_name)
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=body,
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        Tags=[{"Key": TEMPLATE_HASH_TAG, "Value": digest}],
    )
    return outputs_of(wait_for_stack(cloudformation, stack_name))


def wait_until_deleted(cloudformation, stack_name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while (stack := find_stack(cloudformation, stack_name)) and stack["StackStatus"] != "DELETE_COMPLETE":
        if time.monotonic() > deadline:
            raise SystemExit(f"error: stack {stack_name} not deleted after {timeout:.0f} s")
        time.sleep(0.5)


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


# --- command line --------------------------------------------------------------------------------


def command_generate(args: argparse.Namespace) -> int:
    platforms_file = Path(args.platforms)
    output = Path(args.output)
    if args.check:
        if template_generator.stale(platforms_file, output):
            print(f"error: {output} is stale: run scripts/infra.py generate", file=sys.stderr)
            return 1
        print(f"{output}: up to date with {platforms_file}")
        return 0
    text = template_generator.generate(platforms_file)
    changed = not output.is_file() or output.read_text() != text
    output.write_text(text)
    names = ", ".join(p.name for p in registry.load(platforms_file))
    print(f"{output}: {'written' if changed else 'unchanged'} ({names})")
    return 0


def command_lint(_: argparse.Namespace) -> int:
    linter = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(linter), "--", str(TEMPLATE)], check=False)
    if result.returncode == 0:
        print(f"cfn-lint: {TEMPLATE.relative_to(ROOT)}: no errors, no warnings")
    return result.returncode


def command_transform(args: argparse.Namespace) -> int:
    template = transform(load_template(), parse_parameters(args.parameter))
    if args.local:
        template, _ = without_functions(template)
    json.dump(template, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


def command_deploy(args: argparse.Namespace) -> int:
    code = Path(args.code).read_bytes() if args.code else None
    outputs = deploy(args.endpoint, args.stack_name, parse_parameters(args.parameter), args.local, code)
    json.dump(outputs, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


def parse_parameters(values: list[str] | None) -> dict[str, str]:
    parameters = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"error: --parameter expects Name=Value, got {item!r}")
        parameters[key] = value
    return parameters


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write the template from the list of platforms")
    generate.add_argument("--check", action="store_true", help="only check that the template is up to date")
    generate.add_argument("--platforms", default=str(registry.PLATFORMS_FILE), help="the list (default: %(default)s)")
    generate.add_argument("--output", default=str(TEMPLATE), help="the template (default: %(default)s)")
    generate.set_defaults(run=command_generate)
    commands.add_parser("lint", help="cfn-lint the template").set_defaults(run=command_lint)

    for name, run, help_text in (
        ("transform", command_transform, "print the transformed template"),
        ("deploy", command_deploy, "deploy into a CloudFormation endpoint"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--parameter", action="append", metavar="NAME=VALUE", help="template parameter")
        sub.add_argument("--local", action="store_true", help="leave out functions and schedules")
        sub.set_defaults(run=run)
        if name == "deploy":
            sub.add_argument("--endpoint", required=True, help="e.g. http://127.0.0.1:5000 (moto)")
            sub.add_argument("--stack-name", default="orderstatus")
            sub.add_argument("--code", help="zip to deploy as every function's code (default: a stand-in)")
    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
