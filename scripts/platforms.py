#!/usr/bin/env python3
"""The list of platforms (infra/platforms.json), read once for every script and test.

Everything outside the Rust code that names platforms reads them here: scripts/dev and
scripts/devstack.py (queues, env variables, the sandboxes' account secrets), scripts/demo (the
sandboxes to start and the per-platform demo parts), scripts/package (the function binaries),
scripts/infra.py generate (infra/template.yaml) and tests/infra. Standard library only, so that
bash can call it with any python3 before the project's .venv exists.

Subcommands (for bash):
  names                       the platforms' names, one a line
  get NAME FIELD              one field, e.g. `get cv3 sandbox.binary` (dots walk into objects)
  binaries                    every Lambda function binary, one a line
  sandbox-secret NAME URL     the account secret (compact JSON) for the platform's sandbox at URL
  sandbox-secrets             NAME=JSON lines for sandboxes on their default ports (or the port in
                              <ENV_PREFIX>SANDBOX_PORT), as `scripts/dev up` provisions them
  check [NAME...]             what a listed platform still lacks in the repository; exit 1 if any
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS_FILE = ROOT / "infra" / "platforms.json"
# Every Lambda binary is named orderstatus-<platform>[-<suffix>]; its function is named
# <stack>-<platform>[-<suffix>], so the prefix is dropped from the binary's name.
BINARY_PREFIX = "orderstatus-"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*")
LOGICAL_ID_PATTERN = re.compile(r"[A-Z][A-Za-z0-9]*")


@dataclass(frozen=True)
class Platform:
    """One entry of the list, with the names the scripts derive from it."""

    name: str
    display_name: str
    logical_id: str
    env_prefix: str
    package: str
    function_binary: str
    sandbox: dict[str, Any]
    fixtures: str
    demo_function: str
    entry: dict[str, Any] = field(repr=False)

    @property
    def template(self) -> dict[str, Any]:
        return self.entry.get("template", {})

    @property
    def public_endpoints(self) -> list[dict[str, Any]]:
        return self.template.get("public_endpoints", [])

    @property
    def binaries(self) -> list[str]:
        """The function binaries of the platform's crate: its queue function, then endpoints."""
        return [self.function_binary] + [endpoint["binary"] for endpoint in self.public_endpoints]

    @property
    def sandbox_port_variable(self) -> str:
        # The sandbox binary reads the same variable for its --port (clap `env`).
        return f"{self.env_prefix}SANDBOX_PORT"

    def sandbox_secret(self, base_url: str) -> str:
        """The account secret that points the function at its sandbox: compact JSON, base_url
        first, as the sandbox's default credentials expect. A string value may name the
        sandbox's URL as `{base_url}` (e.g. a token endpoint the sandbox also serves)."""
        def at_sandbox(value):
            return value.replace("{base_url}", base_url) if isinstance(value, str) else value
        fields = {key: at_sandbox(value) for key, value in self.sandbox["secret"].items()}
        return json.dumps({"base_url": base_url, **fields}, separators=(",", ":"))

    def default_sandbox_url(self) -> str:
        port = os.environ.get(self.sandbox_port_variable) or str(self.sandbox["default_port"])
        return f"http://127.0.0.1:{port}{self.sandbox.get('base_url_path', '')}"


class ListError(SystemExit):
    """The list is malformed: one line naming the entry and the field."""


def load(path: Path = PLATFORMS_FILE) -> list[Platform]:
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ListError(f"error: cannot read {path}: {error}")
    platforms = [parse_entry(entry, path) for entry in document.get("platforms", [])]
    if not platforms:
        raise ListError(f"error: {path} lists no platforms")
    for attribute in ("name", "logical_id", "env_prefix"):
        values = [getattr(p, attribute) for p in platforms]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ListError(f"error: {path}: {attribute} used twice: {', '.join(duplicates)}")
    return platforms


def parse_entry(entry: dict[str, Any], path: Path) -> Platform:
    name = entry.get("name", "")
    where = f"{path}: platform {name or '?'}"

    def required(*keys: str) -> Any:
        value: Any = entry
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise ListError(f"error: {where}: missing field {'.'.join(keys)}")
            value = value[key]
        return value

    if not NAME_PATTERN.fullmatch(name):
        raise ListError(f"error: {where}: name must be lowercase letters and digits (the serde name)")
    logical_id = required("logical_id")
    if not LOGICAL_ID_PATTERN.fullmatch(logical_id):
        raise ListError(f"error: {where}: logical_id must be CamelCase letters and digits")
    env_prefix = required("env_prefix")
    if env_prefix != f"{name.upper()}_":
        # The Rust worker derives <PLATFORM>_QUEUE_URL from the name the same way.
        raise ListError(f"error: {where}: env_prefix must be {name.upper()}_")
    platform = Platform(
        name=name,
        display_name=required("display_name"),
        logical_id=logical_id,
        env_prefix=env_prefix,
        package=required("crate", "package"),
        function_binary=required("crate", "function_binary"),
        sandbox=required("sandbox"),
        fixtures=required("fixtures"),
        demo_function=required("demo_function"),
        entry=entry,
    )
    for key in ("binary", "default_port", "secret"):
        required("sandbox", key)
    for binary in platform.binaries:
        if binary != f"{BINARY_PREFIX}{name}" and not binary.startswith(f"{BINARY_PREFIX}{name}-"):
            raise ListError(f"error: {where}: binary {binary} must be {BINARY_PREFIX}{name}[-suffix]")
    return platform


def by_name(platforms: list[Platform], name: str) -> Platform:
    for platform in platforms:
        if platform.name == name:
            return platform
    raise ListError(f"error: no platform {name!r} in {PLATFORMS_FILE.relative_to(ROOT)} "
                    f"(platforms: {', '.join(p.name for p in platforms)})")


# --- what a listed platform needs in the repository -----------------------------------------


def cargo_names(cargo_toml: str, table: str) -> list[str]:
    """The `name = "…"` values of [table] or [[table]] sections (enough TOML for Cargo.toml)."""
    names, current = [], None
    for line in cargo_toml.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip()
        elif current == table:
            match = re.fullmatch(r'name\s*=\s*"([^"]+)"', stripped)
            if match:
                names.append(match.group(1))
    return names


def platform_name_variants(message_rs: str) -> list[str]:
    """The lowercase serde names of the Rust enum PlatformName (rename_all = "lowercase")."""
    match = re.search(r"pub enum PlatformName\s*\{(.*?)\}", message_rs, re.S)
    if not match:
        return []
    return [v.lower() for v in re.findall(r"^\s*([A-Z][A-Za-z0-9]*)\s*,?\s*$", match.group(1), re.M)]


def missing(platform: Platform, root: Path = ROOT) -> list[str]:
    """What the repository lacks for a listed platform, one line each; empty when complete."""

    def text(relative: str) -> str:
        path = root / relative
        return path.read_text() if path.is_file() else ""

    problems = []
    crate = f"functions/{platform.name}/Cargo.toml"
    if not (root / crate).is_file():
        problems.append(f"{crate}: no function crate")
    else:
        cargo = text(crate)
        if platform.package not in cargo_names(cargo, "package"):
            problems.append(f"{crate}: package is not named {platform.package}")
        for binary in sorted(set(platform.binaries) - set(cargo_names(cargo, "bin"))):
            problems.append(f"{crate}: no [[bin]] {binary}")
    if platform.name not in platform_name_variants(text("shared/src/message.rs")):
        problems.append(f"shared/src/message.rs: PlatformName has no variant for {platform.name}")
    sandbox = platform.sandbox["binary"]
    # Cargo finds src/bin/<name>.rs by itself; an explicit [[bin]] works too.
    declared = cargo_names(text("tests/sandboxes/Cargo.toml"), "bin")
    if sandbox not in declared and not (root / f"tests/sandboxes/src/bin/{sandbox}.rs").is_file():
        problems.append(f"tests/sandboxes/src/bin/{sandbox}.rs: no sandbox binary")
    fixtures = root / platform.fixtures
    if not sorted(fixtures.glob("*.jsonl")):
        problems.append(f"{platform.fixtures}: no *.jsonl fixtures")
    if not re.search(rf"^{re.escape(platform.demo_function)}\(\)\s*\{{", text("scripts/demo"), re.M):
        problems.append(f"scripts/demo: no function {platform.demo_function}()")
    if not re.search(rf"^  {platform.logical_id}Function:$", text("infra/template.yaml"), re.M):
        problems.append(f"infra/template.yaml: no {platform.logical_id}Function (run scripts/infra.py generate)")
    return problems


# --- command line -------------------------------------------------------------------------------


def lookup(entry: dict[str, Any], dotted: str) -> Any:
    value: Any = entry
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            raise ListError(f"error: no field {dotted!r} in platform {entry.get('name')}")
        value = value[key]
    return value


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0 if argv else 2
    platforms = load()
    command, args = argv[0], argv[1:]
    if command == "names" and not args:
        print("\n".join(p.name for p in platforms))
    elif command == "get" and len(args) == 2:
        value = lookup(by_name(platforms, args[0]).entry, args[1])
        print(value if isinstance(value, (str, int)) else json.dumps(value))
    elif command == "binaries" and not args:
        print("\n".join(binary for p in platforms for binary in p.binaries))
    elif command == "sandbox-secret" and len(args) == 2:
        print(by_name(platforms, args[0]).sandbox_secret(args[1]))
    elif command == "sandbox-secrets" and not args:
        print("\n".join(f"{p.name}={p.sandbox_secret(p.default_sandbox_url())}" for p in platforms))
    elif command == "check":
        chosen = [by_name(platforms, name) for name in args] or platforms
        problems = [f"{p.name}: {problem}" for p in chosen for problem in missing(p)]
        print("\n".join(problems) or f"complete: {', '.join(p.name for p in chosen)}")
        return 1 if problems else 0
    else:
        print(f"error: unknown command or arguments: {' '.join(argv)} (see --help)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
