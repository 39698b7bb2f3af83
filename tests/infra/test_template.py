"""Tests of infra/template.yaml and the list of platforms it is generated from, offline: the
committed template is what `scripts/infra.py generate` makes of infra/platforms.json, every
listed platform has what it needs in the repository, cfn-lint, the SAM transform, and a
deployment into moto server's CloudFormation. Platform tests loop over the list.

Run by scripts/test with the project's .venv/bin/python, against the moto server it started
(ORDERSTATUS_TEST_MOTO). Alone:
    ORDERSTATUS_TEST_MOTO=http://127.0.0.1:PORT .venv/bin/python -m unittest discover -s tests/infra -v

moto's CloudFormation cannot create every resource type the template uses (it skips them with a
warning); what it skips is checked in the transformed template instead, and listed by
`test_report_what_moto_created`.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import infra  # noqa: E402
import platforms as registry  # noqa: E402
import template_generator  # noqa: E402

PLATFORMS = registry.load()
SCHEDULE_INPUTS = {'{"action":"drain"}', '{"action":"redrive"}', '{"action":"sweep"}'}
# Every platform's alarms (logical id suffixes), each sent to the optional AlarmTopicArn.
ALARMS = ("DeadLettersAlarm", "OldestMessageAlarm", "RefusalsAlarm", "PlatformLatencyAlarm", "NoUploadsAlarm")
ALARM_ACTIONS = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}

# The metrics the functions log in the OrderStatus namespace (Embedded Metric Format): per
# invocation, with the dimension Platform (and Platform plus Account), and per scheduled sweep,
# with Platform alone. The dashboard and the alarms may read these only.
INVOCATION_METRICS = {
    "Messages", "Uploaded", "Duplicate", "Stale", "NotApplicable", "Invalid", "Rejected", "Transient",
    "DeadLettered", "PlatformCalls", "PlatformLatency", "PlatformRetries", "PlatformThrottles",
    "UnitsPerCall", "LedgerRequests", "LedgerLatency", "OldestMessageAge",
}
SWEEP_METRICS = {"ExpiredLeases", "QueueVisible", "QueueInFlight", "DeadLetters", "OldDeadLetters"}


def moto_endpoint() -> str:
    endpoint = os.environ.get("ORDERSTATUS_TEST_MOTO")
    if not endpoint:
        raise unittest.SkipTest("ORDERSTATUS_TEST_MOTO is not set (scripts/test sets it)")
    return endpoint


def lint(path: Path) -> subprocess.CompletedProcess:
    linter = Path(sys.executable).parent / "cfn-lint"
    return subprocess.run([str(linter), "--", str(path)], capture_output=True, text=True, check=False)


def resources_of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def evaluate(expression: str, **values: float) -> float | None:
    """One data point of a CloudWatch metric-math expression, for what the alarms use: IF with
    two or three arguments, AND, comparisons and arithmetic. None is no data point: IF without
    a third argument when its condition is false, or a division by zero (CloudWatch drops both)."""

    def if_(condition, true, false=None):
        return true if condition else false

    python = re.sub(r"\bAND\b", "and", expression)
    unknown = set(re.findall(r"[A-Za-z_]\w*", python)) - {"and", "IF"} - set(values)
    if unknown:
        raise AssertionError(f"{expression}: no value for {sorted(unknown)}")
    try:
        return eval(python, {"__builtins__": {}, "IF": if_}, dict(values))  # noqa: S307 (our own template)
    except ZeroDivisionError:
        return None


STAND_IN_REGION = "eu-central-1"


def dashboard_body(template: dict, parameters: dict[str, str] | None = None) -> dict:
    """The dashboard's body as CloudFormation makes it, parsed: Sub's ${AWS::Region} becomes
    STAND_IN_REGION, a ${Queue.QueueName} the stand-in name queue-of-<Queue> (it must name a queue
    of the template), a ${Parameter} its value in `parameters`, else its default."""
    resource = template["Resources"]["Dashboard"]
    body = resource["Properties"]["DashboardBody"]["Fn::Sub"]
    if not isinstance(body, str):
        raise AssertionError(f"the dashboard's Sub has variables of its own: {body!r}")

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "AWS::Region":
            return STAND_IN_REGION
        if "." in name:
            logical_id, attribute = name.split(".", 1)
            queue = template["Resources"].get(logical_id, {})
            if queue.get("Type") != "AWS::SQS::Queue" or attribute != "QueueName":
                raise AssertionError(f"the dashboard reads ${{{name}}}, not a queue's name")
            return f"queue-of-{logical_id}"
        if name not in template["Parameters"]:
            raise AssertionError(f"the dashboard reads ${{{name}}}, which is no parameter")
        return (parameters or {}).get(name, str(template["Parameters"][name]["Default"]))

    return json.loads(re.sub(r"\$\{([^}]*)\}", value, body))


def metric_lines(widget: dict) -> list[tuple[str, str, dict[str, str], dict]]:
    """(namespace, metric, dimensions, options) of each metric a widget graphs; an expression
    line has namespace and metric None."""
    lines = []
    for line in widget.get("properties", {}).get("metrics", []):
        options = line[-1] if isinstance(line[-1], dict) else {}
        names = line[:-1] if options else line
        if not names:
            lines.append((None, None, {}, options))
            continue
        if "." in names:
            raise AssertionError(f"spell out every metric line (no '.' shorthand): {line}")
        namespace, metric, *pairs = names
        lines.append((namespace, metric, dict(zip(pairs[::2], pairs[1::2])), options))
    return lines


def widgets_by_platform(body: dict) -> dict[str, list[dict]]:
    """The dashboard's widgets by the platform they follow (each platform's start with a text
    header naming it)."""
    groups: dict[str, list[dict]] = {}
    current = None
    for widget in body["widgets"]:
        if widget["type"] == "text":
            named = re.findall(r"platform `(\w+)`", widget["properties"]["markdown"])
            if not named:
                raise AssertionError(f"a text widget names no platform: {widget}")
            current = named[0]
            groups.setdefault(current, [])
        elif current is None:
            raise AssertionError(f"a widget before any platform's header: {widget}")
        groups[current].append(widget)
    return groups


# An entry a later platform could have: CV3's, renamed, with a reserved concurrency (as
# ChannelAdvisor will need). Generating from a list with it proves that a platform is one
# entry, and that the stale-template test can fail.
def list_with_extra_platform(directory: Path) -> Path:
    document = json.loads(registry.PLATFORMS_FILE.read_text())
    extra = copy.deepcopy(document["platforms"][0])
    extra.update(name="newshop", display_name="New Shop", long_name="New Shop API",
                 logical_id="Newshop", env_prefix="NEWSHOP_", fixtures="tests/fixtures/newshop",
                 demo_function="demo_newshop")
    extra["crate"] = {"package": "orderstatus-newshop", "function_binary": "orderstatus-newshop"}
    extra["sandbox"] = dict(extra["sandbox"], binary="newshop-sandbox", default_port=8399)
    extra["template"] = {
        "function_description": "Uploads canonical order-status messages to New Shop.",
        "parameters": {
            "NewshopReservedConcurrency": {
                "Type": "Number", "Default": 0, "MinValue": 0,
                "Description": "Reserved concurrency of the New Shop function (0: none).",
            }
        },
        "reserved_concurrency_parameter": "NewshopReservedConcurrency",
    }
    document["platforms"].append(extra)
    path = directory / "platforms.json"
    path.write_text(json.dumps(document, indent=2))
    return path


class GeneratedTemplateTest(unittest.TestCase):
    """infra/template.yaml is generated from infra/platforms.json and infra/blocks/."""

    def test_committed_template_is_what_the_list_generates(self):
        self.assertFalse(
            template_generator.stale(),
            "infra/template.yaml differs from what infra/platforms.json and infra/blocks/ generate: "
            "run scripts/infra.py generate (and commit the result)",
        )

    def test_stale_check_fails_when_the_list_changes(self):
        with tempfile.TemporaryDirectory() as directory:
            changed = list_with_extra_platform(Path(directory))
            self.assertTrue(template_generator.stale(changed))
            check = subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "infra.py"), "generate", "--check", "--platforms", str(changed)],
                capture_output=True, text=True, check=False,
            )
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertIn("is stale", check.stderr)

    def test_stale_check_fails_when_the_template_is_edited_by_hand(self):
        edited = infra.TEMPLATE.read_text().replace("RetentionInDays: 90", "RetentionInDays: 30", 1)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "template.yaml"
            path.write_text(edited)
            self.assertTrue(template_generator.stale(template=path))

    def test_a_new_platform_is_one_entry(self):
        # The generated template of a list with one more entry lints and gives the new platform
        # the same resources as the others.
        with tempfile.TemporaryDirectory(dir=infra.TEMPLATE.parent) as directory:
            output = Path(directory) / "template.yaml"
            output.write_text(template_generator.generate(list_with_extra_platform(Path(directory))))
            result = lint(output)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            template = infra.transform(infra.load_template(output))
        ours = {k.removeprefix("Cv3") for k in template["Resources"] if k.startswith("Cv3")}
        theirs = {k.removeprefix("Newshop") for k in template["Resources"] if k.startswith("Newshop")}
        self.assertEqual(theirs, ours)
        function = template["Resources"]["NewshopFunction"]["Properties"]
        self.assertEqual(function["FunctionName"], {"Fn::Sub": "${AWS::StackName}-newshop"})
        self.assertEqual(
            function["ReservedConcurrentExecutions"],
            {"Fn::If": ["NewshopConcurrencyReserved", {"Ref": "NewshopReservedConcurrency"}, {"Ref": "AWS::NoValue"}]},
        )
        self.assertIn("NewshopConcurrencyReserved", template["Conditions"])
        self.assertNotIn("ReservedConcurrentExecutions", template["Resources"]["Cv3Function"]["Properties"])
        newshop = widgets_by_platform(dashboard_body(template))["newshop"]
        graphed = {(ns, m, dims.get("Platform")) for w in newshop for ns, m, dims, _ in metric_lines(w)}
        self.assertIn(("OrderStatus", "Uploaded", "newshop"), graphed)

    def test_template_builds_the_list_binaries(self):
        # scripts/package packages the list's binaries; sam build builds the template's.
        built = re.findall(r"^ +Binary: (\S+)$", infra.TEMPLATE.read_text(), re.M)
        self.assertEqual(sorted(built), sorted(b for p in PLATFORMS for b in p.binaries))


class PlatformListTest(unittest.TestCase):
    """Every platform of infra/platforms.json has what it needs outside the list."""

    def test_each_platform_has_its_function_crate(self):
        for platform in PLATFORMS:
            with self.subTest(platform.name):
                crate = ROOT / "functions" / platform.name / "Cargo.toml"
                self.assertTrue(crate.is_file(), f"no {crate}")
                cargo = crate.read_text()
                self.assertIn(platform.package, registry.cargo_names(cargo, "package"))
                self.assertLessEqual(set(platform.binaries), set(registry.cargo_names(cargo, "bin")))

    def test_rust_platform_name_covers_the_list(self):
        variants = registry.platform_name_variants((ROOT / "shared" / "src" / "message.rs").read_text())
        self.assertIn("cv3", variants, "could not read PlatformName from shared/src/message.rs")
        for platform in PLATFORMS:
            self.assertIn(platform.name, variants, f"PlatformName has no variant for {platform.name}")

    def test_each_platform_has_a_template_block(self):
        template = infra.load_template()
        for platform in PLATFORMS:
            for suffix in ("Queue", "DeadLetterQueue", "Function", "FunctionLogGroup", "QueuePolicy") + ALARMS:
                self.assertIn(f"{platform.logical_id}{suffix}", template["Resources"], platform.name)
            for suffix in ("QueueUrl", "QueueArn", "DeadLetterQueueUrl", "DeadLetterQueueArn", "FunctionName"):
                self.assertIn(f"{platform.logical_id}{suffix}", template["Outputs"], platform.name)

    def test_each_platform_has_a_sandbox_fixtures_and_a_demo_part(self):
        for platform in PLATFORMS:
            self.assertEqual(registry.missing(platform), [], platform.name)

    def test_missing_pieces_are_named(self):
        # A listed platform with nothing else in the repository: every check above must fail.
        with tempfile.TemporaryDirectory() as directory:
            path = list_with_extra_platform(Path(directory))
            document = json.loads(path.read_text())
            document["platforms"][-1].update(name="newshop", logical_id="Newshop", env_prefix="NEWSHOP_",
                                             fixtures="tests/fixtures/newshop", demo_function="demo_newshop")
            document["platforms"][-1]["crate"] = {"package": "orderstatus-newshop", "function_binary": "orderstatus-newshop"}
            document["platforms"][-1]["sandbox"]["binary"] = "newshop-sandbox"
            path.write_text(json.dumps(document))
            newshop = registry.by_name(registry.load(path), "newshop")
        problems = "\n".join(registry.missing(newshop))
        for expected in ("functions/newshop/Cargo.toml", "PlatformName", "newshop-sandbox", "tests/fixtures/newshop",
                         "demo_newshop", "NewshopFunction"):
            self.assertIn(expected, problems)

    def test_sandbox_secrets_are_what_the_scripts_provision(self):
        # scripts/dev up provisions these when DEV_SECRETS is unset; the demo the same with the
        # sandbox's announced URL.
        out = subprocess.run([sys.executable, str(ROOT / "scripts" / "platforms.py"), "sandbox-secrets"],
                             capture_output=True, text=True, check=True,
                             env={k: v for k, v in os.environ.items() if not k.endswith("_SANDBOX_PORT")}).stdout
        lines = dict(line.split("=", 1) for line in out.splitlines())
        self.assertEqual(sorted(lines), sorted(p.name for p in PLATFORMS))
        for platform in PLATFORMS:
            secret = json.loads(lines[platform.name])
            base_url = platform.default_sandbox_url()
            self.assertEqual(secret["base_url"], base_url)
            for field, value in platform.sandbox["secret"].items():
                # `{base_url}` in a value stands for the sandbox's URL (a token endpoint it serves).
                expected = value.replace("{base_url}", base_url) if isinstance(value, str) else value
                self.assertEqual(secret[field], expected, f"{platform.name}: {field}")

    def test_list_refuses_inconsistent_names(self):
        document = json.loads(registry.PLATFORMS_FILE.read_text())
        document["platforms"][0]["env_prefix"] = "COMMERCEV3_"
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "platforms.json"
            path.write_text(json.dumps(document))
            with self.assertRaises(SystemExit) as raised:
                registry.load(path)
        self.assertIn("env_prefix must be CV3_", str(raised.exception))


class LintTest(unittest.TestCase):
    def test_template_has_no_errors_or_warnings(self):
        result = lint(infra.TEMPLATE)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.strip(), "")

    def test_lint_catches_a_broken_template(self):
        # The same template with a billing mode that does not exist: proves the lint step above
        # can fail.
        broken = infra.TEMPLATE.read_text().replace("BillingMode: PAY_PER_REQUEST", "BillingMode: ON_DEMAND", 1)
        self.assertNotEqual(broken, infra.TEMPLATE.read_text())
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=infra.TEMPLATE.parent) as copy:
            copy.write(broken)
            copy.flush()
            result = lint(Path(copy.name))
        self.assertNotEqual(result.returncode, 0, "cfn-lint accepted a broken template")


class TransformTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.template = infra.transform(infra.load_template())

    def test_each_platform_has_three_disabled_schedules(self):
        schedules = resources_of_type(self.template, "AWS::Scheduler::Schedule")
        for platform in PLATFORMS:
            function = f"{platform.logical_id}Function"
            own = {k: v for k, v in schedules.items() if k.startswith(function)}
            inputs = {v["Properties"]["Target"]["Input"] for v in own.values()}
            self.assertEqual(inputs, SCHEDULE_INPUTS, platform.name)
            for schedule in own.values():
                self.assertEqual(schedule["Properties"]["State"], {"Ref": "SchedulesState"})
                target = schedule["Properties"]["Target"]["Arn"]
                self.assertEqual(target, {"Fn::GetAtt": [function, "Arn"]})
        params = infra.load_template()["Parameters"]
        self.assertEqual(params["SchedulesState"]["Default"], "DISABLED")

    def test_functions_are_al2023_arm64_by_default(self):
        params = infra.load_template()["Parameters"]
        self.assertEqual(params["Architecture"]["Default"], "arm64")
        functions = resources_of_type(self.template, "AWS::Lambda::Function")
        for name, function in functions.items():
            props = function["Properties"]
            self.assertEqual(props["Runtime"], "provided.al2023", name)
            self.assertEqual(props["Handler"], "bootstrap", name)
            self.assertEqual(props["Architectures"], [{"Ref": "Architecture"}], name)
            self.assertIn("SECRETS_PREFIX", props["Environment"]["Variables"], name)
        for platform in PLATFORMS:
            variables = functions[f"{platform.logical_id}Function"]["Properties"]["Environment"]["Variables"]
            for variable in ("LEDGER_TABLE", "QUEUE_URL", "DEAD_LETTER_QUEUE_URL"):
                self.assertIn(variable, variables, platform.name)

    def test_sqs_triggers_report_item_failures_and_can_be_paused(self):
        mappings = resources_of_type(self.template, "AWS::Lambda::EventSourceMapping")
        self.assertEqual(len(mappings), len(PLATFORMS))
        for mapping in mappings.values():
            props = mapping["Properties"]
            self.assertEqual(props["FunctionResponseTypes"], ["ReportBatchItemFailures"])
            self.assertEqual(props["Enabled"], {"Ref": "QueueTriggersEnabled"})
            self.assertIn("MaximumConcurrency", props["ScalingConfig"])
            self.assertEqual(props["MaximumBatchingWindowInSeconds"], {"Ref": "MaximumBatchingWindowInSeconds"})

    def test_every_copy_of_a_function_counts_in_its_share_of_the_limits(self):
        # FUNCTION_COPIES is the trigger's maximum concurrency; a platform with max copies
        # also reserves that concurrency, so scheduled work cannot add a copy.
        functions = resources_of_type(infra.load_template(), "AWS::Serverless::Function")
        for platform in PLATFORMS:
            function = functions[f"{platform.logical_id}Function"]["Properties"]
            trigger = function["Events"]["Queue"]["Properties"]
            copies = {"Ref": platform.template.get("max_copies_parameter", "MaximumConcurrency")}
            self.assertEqual(trigger["ScalingConfig"], {"MaximumConcurrency": copies}, platform.name)
            self.assertEqual(function["Environment"]["Variables"]["FUNCTION_COPIES"], copies, platform.name)
            if "max_copies_parameter" in platform.template:
                self.assertEqual(function["ReservedConcurrentExecutions"], copies, platform.name)
        channeladvisor = [p for p in PLATFORMS if p.name == "channeladvisor"]
        self.assertEqual([p.template.get("max_copies_parameter") for p in channeladvisor], ["ChannelAdvisorMaxCopies"])

    def test_queue_visibility_is_six_function_timeouts(self):
        template = infra.load_template()
        allowed = template["Parameters"]["FunctionTimeout"]["AllowedValues"]
        mapping = template["Mappings"]["VisibilityTimeouts"]
        self.assertEqual(sorted(mapping, key=int), sorted(allowed, key=int))
        for timeout in allowed:
            self.assertGreaterEqual(mapping[timeout]["Seconds"], 6 * int(timeout))
        for platform in PLATFORMS:
            visibility = template["Resources"][f"{platform.logical_id}Queue"]["Properties"]["VisibilityTimeout"]
            self.assertEqual(visibility, {"Fn::FindInMap": ["VisibilityTimeouts", {"Ref": "FunctionTimeout"}, "Seconds"]})

    def test_iam_names_no_wildcard_resource(self):
        policies = 0
        for name, role in resources_of_type(self.template, "AWS::IAM::Role").items():
            for policy in role["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    policies += 1
                    resources = statement["Resource"]
                    resources = resources if isinstance(resources, list) else [resources]
                    self.assertNotIn("*", resources, f"{name}: {statement}")
                    actions = statement["Action"]
                    actions = actions if isinstance(actions, list) else [actions]
                    self.assertFalse([a for a in actions if a.endswith(":*") or a == "*"], f"{name}: {statement}")
        self.assertGreater(policies, 0)

    def test_function_may_read_only_its_own_secrets(self):
        for platform in PLATFORMS:
            role = self.template["Resources"][f"{platform.logical_id}FunctionRole"]
            text = json.dumps(role["Properties"]["Policies"])
            self.assertIn(f"secret:orderstatus/{platform.name}/*", text)
            self.assertNotIn("secret:orderstatus/*", text)

    def test_alarms_watch_dead_letters_and_oldest_message(self):
        alarms = resources_of_type(self.template, "AWS::CloudWatch::Alarm")
        for platform in PLATFORMS:
            prefix = platform.logical_id
            dlq = alarms[f"{prefix}DeadLettersAlarm"]["Properties"]
            self.assertEqual(dlq["MetricName"], "ApproximateNumberOfMessagesVisible")
            self.assertEqual(dlq["Dimensions"][0]["Value"], {"Fn::GetAtt": [f"{prefix}DeadLetterQueue", "QueueName"]})
            oldest = alarms[f"{prefix}OldestMessageAlarm"]["Properties"]
            self.assertEqual(oldest["MetricName"], "ApproximateAgeOfOldestMessage")
            self.assertEqual(oldest["Threshold"], {"Ref": "OldestMessageAlarmSeconds"})
            for alarm in (dlq, oldest):
                self.assertEqual(alarm["AlarmActions"], ALARM_ACTIONS)

    def test_producers_get_send_message_through_a_queue_policy(self):
        for platform in PLATFORMS:
            policy = self.template["Resources"][f"{platform.logical_id}QueuePolicy"]
            self.assertEqual(policy["Condition"], "HasQueuePolicy")
            principals, sources = policy["Properties"]["PolicyDocument"]["Statement"]
            condition, statement, _ = principals["Fn::If"]
            self.assertEqual(condition, "HasProducers")
            self.assertEqual(statement["Action"], "sqs:SendMessage")
            self.assertEqual(statement["Principal"], {"AWS": {"Ref": "ProducerPrincipals"}})
            condition, statement, _ = sources["Fn::If"]
            self.assertEqual(condition, "HasSourceArns")
            self.assertEqual(statement["Principal"], {"Service": ["events.amazonaws.com", "sns.amazonaws.com"]})
            self.assertEqual(statement["Condition"], {"ArnEquals": {"aws:SourceArn": {"Ref": "ProducerSourceArns"}}})

    def test_local_template_keeps_queues_and_table_only(self):
        local, removed = infra.without_functions(self.template)
        types = {v["Type"] for v in local["Resources"].values()}
        self.assertFalse({t for t in types if t.startswith(("AWS::Lambda::", "AWS::Scheduler::", "AWS::IAM::"))})
        self.assertIn("AWS::SQS::Queue", types)
        self.assertIn("AWS::DynamoDB::Table", types)
        for platform in PLATFORMS:
            self.assertIn(f"{platform.logical_id}Function", removed)
            self.assertNotIn(f"{platform.logical_id}FunctionName", local["Outputs"])
            self.assertIn(f"{platform.logical_id}QueueUrl", local["Outputs"])


class MetricAlarmsTest(unittest.TestCase):
    """The alarms on the functions' own metrics (refusals, platform latency, no uploads), beside
    the queue alarms: what they compute, their thresholds, and where they send."""

    @classmethod
    def setUpClass(cls):
        cls.sam = infra.load_template()
        cls.template = infra.transform(cls.sam)
        cls.alarms = resources_of_type(cls.template, "AWS::CloudWatch::Alarm")

    def metric_math(self, alarm: dict, platform: registry.Platform) -> tuple[str, dict[str, str], set]:
        """The alarm's one returned expression, its metrics by id, and their periods; every
        metric is a Sum in OrderStatus for the platform alone (no Account)."""
        returned = [m for m in alarm["Metrics"] if m.get("ReturnData")]
        self.assertEqual(len(returned), 1, alarm["Metrics"])
        metrics, periods = {}, set()
        for metric in alarm["Metrics"]:
            if metric is returned[0]:
                continue
            self.assertIs(metric["ReturnData"], False)
            stat = metric["MetricStat"]
            self.assertEqual(stat["Metric"]["Namespace"], "OrderStatus")
            self.assertEqual(stat["Metric"]["Dimensions"], [{"Name": "Platform", "Value": platform.name}])
            self.assertEqual(stat["Stat"], "Sum")
            self.assertIn(stat["Metric"]["MetricName"], INVOCATION_METRICS)
            metrics[metric["Id"]] = stat["Metric"]["MetricName"]
            periods.add(json.dumps(stat["Period"], sort_keys=True))
        # CloudWatch requires one period for every metric of an expression.
        self.assertEqual(len(periods), 1, periods)
        return returned[0]["Expression"], metrics, periods

    def test_every_alarm_pages_through_the_optional_topic_and_says_what_to_do(self):
        self.assertEqual(len(self.alarms), len(ALARMS) * len(PLATFORMS))
        for name, alarm in self.alarms.items():
            props = alarm["Properties"]
            self.assertEqual(props["AlarmActions"], ALARM_ACTIONS, name)
            self.assertEqual(props["OKActions"], ALARM_ACTIONS, name)
            self.assertEqual(props["TreatMissingData"], "notBreaching", name)
            self.assertGreater(len(props["AlarmDescription"]), 80, name)
        self.assertEqual(self.sam["Conditions"]["HasAlarmTopic"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]})

    def test_no_alarm_spans_more_than_a_day(self):
        # CloudWatch refuses an alarm whose periods add up to more than a day (for periods under
        # an hour; seven days above); a period from the mapping counts at its largest.
        def longest(period) -> int:
            if isinstance(period, int):
                return period
            mapping, _, key = period["Fn::FindInMap"]
            return max(entry[key] for entry in self.sam["Mappings"][mapping].values())

        for name, alarm in self.alarms.items():
            props = alarm["Properties"]
            periods = [props["Period"]] if "Period" in props else [
                m["MetricStat"]["Period"] for m in props["Metrics"] if "MetricStat" in m
            ]
            for period in periods:
                self.assertEqual(longest(period) % 60, 0, name)
                self.assertLessEqual(longest(period) * props["EvaluationPeriods"], 86400, name)

    def test_refusals_alarm_is_the_refused_share_of_messages(self):
        params = self.sam["Parameters"]["RefusalAlarmPercent"]
        self.assertEqual((params["Default"], params["MinValue"], params["MaxValue"]), (5, 0, 100))
        for platform in PLATFORMS:
            alarm = self.alarms[f"{platform.logical_id}RefusalsAlarm"]["Properties"]
            expression, metrics, periods = self.metric_math(alarm, platform)
            self.assertEqual(sorted(metrics.values()), ["Invalid", "Messages", "Rejected"], platform.name)
            self.assertEqual(periods, {"3600"})
            self.assertEqual(alarm["Threshold"], {"Ref": "RefusalAlarmPercent"})
            self.assertEqual(alarm["ComparisonOperator"], "GreaterThanThreshold")
            self.assertEqual(alarm["EvaluationPeriods"], 1)
            self.assertIn(f"orderstatus dlq list --platform {platform.name}", alarm["AlarmDescription"])
            ids = {metric: id_ for id_, metric in metrics.items()}

            def share(messages, invalid, rejected):
                return evaluate(expression, **{ids["Messages"]: messages, ids["Invalid"]: invalid,
                                               ids["Rejected"]: rejected})

            self.assertEqual(share(100, 4, 2), 6.0)
            self.assertEqual(share(200, 0, 10), 5.0)
            self.assertEqual(share(3, 0, 0), 0.0)
            # An hour without messages is no data point, not a refused one.
            self.assertIsNone(share(0, 0, 0))

    def test_latency_alarm_is_the_platform_calls_p99(self):
        params = self.sam["Parameters"]["PlatformLatencyAlarmMilliseconds"]
        self.assertEqual((params["Default"], params["MinValue"]), (10000, 100))
        for platform in PLATFORMS:
            alarm = self.alarms[f"{platform.logical_id}PlatformLatencyAlarm"]["Properties"]
            self.assertEqual((alarm["Namespace"], alarm["MetricName"]), ("OrderStatus", "PlatformLatency"))
            self.assertEqual(alarm["Dimensions"], [{"Name": "Platform", "Value": platform.name}])
            self.assertEqual(alarm["ExtendedStatistic"], "p99")
            self.assertNotIn("Statistic", alarm)
            self.assertEqual(alarm["Threshold"], {"Ref": "PlatformLatencyAlarmMilliseconds"})
            self.assertEqual(alarm["ComparisonOperator"], "GreaterThanThreshold")
            self.assertEqual((alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]), (300, 3, 3))
            self.assertEqual(alarm["EvaluateLowSampleCountPercentile"], "evaluate")

    def test_no_uploads_alarm_is_messages_without_an_upload_over_the_hours(self):
        params = self.sam["Parameters"]["NoUploadsAlarmHours"]
        self.assertEqual(params["Default"], "6")
        mapping = self.sam["Mappings"]["NoUploadsAlarmPeriods"]
        self.assertEqual(sorted(mapping, key=int), sorted(params["AllowedValues"], key=int))
        for hours, entry in mapping.items():
            self.assertEqual(entry["Seconds"], int(hours) * 3600, hours)
        for platform in PLATFORMS:
            alarm = self.alarms[f"{platform.logical_id}NoUploadsAlarm"]["Properties"]
            expression, metrics, periods = self.metric_math(alarm, platform)
            self.assertEqual(sorted(metrics.values()), ["Messages", "Uploaded"], platform.name)
            # One period spans the whole window, so messages anywhere in it count.
            window = {"Fn::FindInMap": ["NoUploadsAlarmPeriods", {"Ref": "NoUploadsAlarmHours"}, "Seconds"]}
            self.assertEqual(periods, {json.dumps(window, sort_keys=True)})
            self.assertEqual(alarm["EvaluationPeriods"], 1)
            self.assertEqual((alarm["Threshold"], alarm["ComparisonOperator"]), (0, "GreaterThanThreshold"))
            ids = {metric: id_ for id_, metric in metrics.items()}

            def stalled(messages, uploaded):
                return evaluate(expression, **{ids["Messages"]: messages, ids["Uploaded"]: uploaded})

            self.assertEqual(stalled(12, 0), 1)
            self.assertEqual(stalled(12, 1), 0)
            self.assertEqual(stalled(0, 0), 0)


class DashboardTest(unittest.TestCase):
    """The stack's dashboard: JSON once Sub has filled it in, a header and graphs per platform of
    the list, reading only metrics the functions log."""

    @classmethod
    def setUpClass(cls):
        cls.sam = infra.load_template()
        cls.template = infra.transform(cls.sam)
        cls.body = dashboard_body(cls.template)
        cls.groups = widgets_by_platform(cls.body)

    def test_one_dashboard_named_after_the_stack(self):
        dashboards = resources_of_type(self.template, "AWS::CloudWatch::Dashboard")
        self.assertEqual(list(dashboards), ["Dashboard"])
        self.assertEqual(dashboards["Dashboard"]["Properties"]["DashboardName"], {"Ref": "AWS::StackName"})

    def test_every_platform_of_the_list_has_its_widgets_in_order(self):
        self.assertEqual(list(self.groups), [p.name for p in PLATFORMS])
        for platform in PLATFORMS:
            widgets = self.groups[platform.name]
            # (namespace, metric, platform or queue, statistic: the line's own or its widget's)
            graphed = {(ns, m, d.get("Platform") or d.get("QueueName"), o.get("stat", w["properties"].get("stat")))
                       for w in widgets for ns, m, d, o in metric_lines(w)}
            queue = f"queue-of-{platform.logical_id}Queue"
            dlq = f"queue-of-{platform.logical_id}DeadLetterQueue"
            expected = {
                *(("OrderStatus", m, platform.name, "Sum") for m in
                  ("Uploaded", "Duplicate", "Stale", "NotApplicable", "Invalid", "Rejected", "Transient",
                   "DeadLettered")),
                ("OrderStatus", "PlatformLatency", platform.name, "p50"),
                ("OrderStatus", "PlatformLatency", platform.name, "p99"),
                ("OrderStatus", "LedgerLatency", platform.name, "p50"),
                ("OrderStatus", "LedgerLatency", platform.name, "p99"),
                ("OrderStatus", "OldestMessageAge", platform.name, "Maximum"),
                ("AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum"),
                ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq, "Maximum"),
                ("AWS/SQS", "ApproximateAgeOfOldestMessage", dlq, "Maximum"),
                ("OrderStatus", "ExpiredLeases", platform.name, "Maximum"),
            }
            self.assertLessEqual(expected, graphed, platform.name)
            # Nothing of another platform's in its rows.
            others = {p.name for p in PLATFORMS} - {platform.name}
            others |= {f"queue-of-{p.logical_id}{q}" for p in PLATFORMS if p is not platform
                       for q in ("Queue", "DeadLetterQueue")}
            self.assertFalse({g for g in graphed if g[2] in others}, platform.name)

    def test_stacked_outcomes_add_up_to_the_messages(self):
        # A stacked graph's top is its lines' sum: only outcomes (one per message) may be in it.
        outcomes = {"Uploaded", "Duplicate", "Stale", "NotApplicable", "Invalid", "Rejected", "Transient"}
        for name, widgets in self.groups.items():
            stacked = [w for w in widgets if w.get("properties", {}).get("stacked")]
            self.assertEqual(len(stacked), 1, name)
            self.assertEqual({m for _, m, _, _ in metric_lines(stacked[0])}, outcomes, name)

    def test_metrics_are_the_ones_logged_and_platform_wide(self):
        namespaces = set()
        for name, widgets in self.groups.items():
            for widget in widgets:
                if widget["type"] != "metric":
                    continue
                self.assertEqual(widget["properties"]["region"], STAND_IN_REGION)
                for namespace, metric, dimensions, options in metric_lines(widget):
                    namespaces.add(namespace)
                    if namespace == "OrderStatus":
                        self.assertIn(metric, INVOCATION_METRICS | SWEEP_METRICS)
                        # The Platform set only: a graph per account would be one line per account.
                        self.assertEqual(dimensions, {"Platform": name}, metric)
                    elif namespace == "AWS/SQS":
                        self.assertEqual(list(dimensions), ["QueueName"], metric)
                    else:
                        self.assertIsNone(namespace, widget)
                        self.assertIn("expression", options)
        self.assertEqual(namespaces, {"OrderStatus", "AWS/SQS", None})

    def test_invocation_metrics_graphed_are_the_ones_the_functions_log(self):
        source = (ROOT / "shared" / "src" / "metrics.rs").read_text()
        listed = re.search(r"pub const METRIC_NAMES: \[&str; \d+\] = \[(.*?)\];", source, re.S)
        self.assertIsNotNone(listed, "METRIC_NAMES not found in shared/src/metrics.rs")
        logged = set(re.findall(r'"(\w+)"', listed.group(1)))
        self.assertEqual(logged, INVOCATION_METRICS, "shared/src/metrics.rs logs other metrics now")

    def test_sweep_metrics_graphed_are_the_ones_sweep_logs(self):
        sweep = (ROOT / "shared" / "src" / "scheduled" / "sweep.rs").read_text()
        logged = set(re.findall(r'\{"Name": "(\w+)", "Unit"', sweep))
        self.assertEqual(logged, SWEEP_METRICS, "shared/src/scheduled/sweep.rs logs other metrics now")
        self.assertIn('"OrderStatus"', sweep)

    def test_refusal_graph_is_the_alarm_and_thresholds_are_the_parameters(self):
        alarms = resources_of_type(self.template, "AWS::CloudWatch::Alarm")
        # Values other than the defaults, so that a threshold written into the body fails.
        thresholds = {"RefusalAlarmPercent": 17, "PlatformLatencyAlarmMilliseconds": 4321,
                      "OldestMessageAlarmSeconds": 1234}
        for name, value in thresholds.items():
            self.assertNotEqual(self.sam["Parameters"][name]["Default"], value)
        groups = widgets_by_platform(dashboard_body(self.template, {k: str(v) for k, v in thresholds.items()}))
        for platform in PLATFORMS:
            widgets = {w["properties"]["title"]: w["properties"] for w in groups[platform.name]
                       if w["type"] == "metric"}
            refused = widgets[f"{platform.display_name}: refused, % of the hour's messages"]
            alarm = alarms[f"{platform.logical_id}RefusalsAlarm"]["Properties"]
            graphed = [o["expression"] for _, _, _, o in metric_lines({"properties": refused}) if "expression" in o]
            self.assertEqual(graphed, [m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData")])
            lines = {title: [a["value"] for a in props.get("annotations", {}).get("horizontal", [])]
                     for title, props in widgets.items()}
            self.assertEqual(lines[f"{platform.display_name}: refused, % of the hour's messages"],
                             [thresholds["RefusalAlarmPercent"]])
            self.assertEqual(lines[f"{platform.display_name}: platform call latency (ms)"],
                             [thresholds["PlatformLatencyAlarmMilliseconds"]])
            self.assertEqual(lines[f"{platform.display_name}: oldest message age (s)"],
                             [thresholds["OldestMessageAlarmSeconds"]])

    def test_each_platform_fills_whole_rows(self):
        # Widgets without x and y flow left to right: a platform whose widths fill whole rows
        # of 24 keeps the next platform's header at the start of a row.
        for name, widgets in self.groups.items():
            self.assertFalse([w for w in widgets if "x" in w or "y" in w], name)
            self.assertEqual(sum(w["width"] for w in widgets) % 24, 0, name)

    def test_substitution_catches_a_broken_body(self):
        # A stray comma makes the body invalid JSON: proves the parse above can fail.
        broken = copy.deepcopy(self.template)
        props = broken["Resources"]["Dashboard"]["Properties"]
        props["DashboardBody"]["Fn::Sub"] = props["DashboardBody"]["Fn::Sub"].replace("]\n", "],\n", 1)
        with self.assertRaises(json.JSONDecodeError):
            dashboard_body(broken)


def public_endpoints() -> list[tuple[registry.Platform, str]]:
    """(platform, logical-id prefix of the endpoint's function) for every public endpoint listed,
    e.g. Seller Center's getStatusDetailOptionList: SellerCenterStatusDetails."""
    return [(p, p.logical_id + e["logical_id"]) for p in PLATFORMS for e in p.public_endpoints]


class PublicEndpointsTest(unittest.TestCase):
    """Endpoints a platform calls (e.g. Seller Center's getStatusDetailOptionList): public
    function URLs whose requests authenticate themselves (signed query), each reading only its
    platform's secrets."""

    @classmethod
    def setUpClass(cls):
        cls.template = infra.transform(infra.load_template())

    def test_function_url_is_public_and_output(self):
        urls = resources_of_type(self.template, "AWS::Lambda::Url")
        self.assertEqual(len(urls), len(public_endpoints()))
        self.assertTrue(public_endpoints(), "the list names no public endpoint; drop this test with the last one")
        for _, prefix in public_endpoints():
            url = urls[f"{prefix}FunctionUrl"]["Properties"]
            self.assertEqual(url["AuthType"], "NONE")
            self.assertEqual(url["TargetFunctionArn"], {"Ref": f"{prefix}Function"})
            output = self.template["Outputs"][f"{prefix}Url"]["Value"]
            self.assertEqual(output, {"Fn::GetAtt": [f"{prefix}FunctionUrl", "FunctionUrl"]})

    def test_endpoint_reads_only_its_platform_secrets(self):
        for platform, prefix in public_endpoints():
            role = self.template["Resources"][f"{prefix}FunctionRole"]
            statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
            self.assertEqual([s["Action"] for s in statements], ["secretsmanager:GetSecretValue"])
            self.assertIn(f"secret:orderstatus/{platform.name}/*", json.dumps(statements))


class DeployTest(unittest.TestCase):
    """The transformed template deployed into moto server's CloudFormation."""

    @classmethod
    def setUpClass(cls):
        cls.endpoint = moto_endpoint()
        cls.stack_name = f"t-{uuid.uuid4().hex[:10]}"
        cls.parameters = {
            "MaxReceiveCount": "7",
            "FunctionTimeout": "120",
            "BatchSize": "250",
            "LedgerDeletionProtection": "false",
            "ProducerPrincipals": "111122223333",
            "RefusalAlarmPercent": "7",
        }
        # A platform with its own batch-size parameter (Seller Center) gets another value.
        cls.batch_sizes = {p.name: cls.parameters["BatchSize"] for p in PLATFORMS}
        for platform in PLATFORMS:
            own = platform.template.get("batch_size_parameter")
            if own:
                cls.parameters[own] = cls.batch_sizes[platform.name] = "2000"
        cls.outputs = infra.deploy(cls.endpoint, cls.stack_name, cls.parameters)
        cls.cloudformation = infra.client("cloudformation", cls.endpoint)
        # moto lists a resource it skipped as an entry without ids.
        cls.created = {
            r["LogicalResourceId"]: r
            for r in cls.cloudformation.describe_stack_resources(StackName=cls.stack_name)["StackResources"]
            if r.get("LogicalResourceId")
        }

    def test_queues_and_redrive_policies(self):
        sqs = infra.client("sqs", self.endpoint)
        for platform in PLATFORMS:
            prefix = platform.logical_id
            queue = sqs.get_queue_attributes(QueueUrl=self.outputs[f"{prefix}QueueUrl"], AttributeNames=["All"])[
                "Attributes"
            ]
            dlq = sqs.get_queue_attributes(
                QueueUrl=self.outputs[f"{prefix}DeadLetterQueueUrl"], AttributeNames=["All"]
            )["Attributes"]
            redrive = json.loads(queue["RedrivePolicy"])
            self.assertEqual(redrive["deadLetterTargetArn"], dlq["QueueArn"])
            self.assertEqual(int(redrive["maxReceiveCount"]), 7)
            self.assertEqual(queue["VisibilityTimeout"], "720")
            self.assertEqual(dlq["MessageRetentionPeriod"], "1209600")
            self.assertEqual(self.outputs[f"{prefix}QueueArn"], queue["QueueArn"])
            self.assertTrue(self.outputs[f"{prefix}QueueUrl"].endswith(f"{self.stack_name}-{platform.name}"))

    def test_ledger_table_keys_billing_and_ttl(self):
        dynamodb = infra.client("dynamodb", self.endpoint)
        table_name = self.outputs["LedgerTableName"]
        table = dynamodb.describe_table(TableName=table_name)["Table"]
        keys = {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]}
        self.assertEqual(keys, {"pk": "HASH", "sk": "RANGE"})
        self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        # moto's CloudFormation creates the table but ignores TimeToLiveSpecification and
        # PointInTimeRecoverySpecification, so those are read from the template it deployed.
        body = self.cloudformation.get_template(StackName=self.stack_name)["TemplateBody"]
        deployed = body if isinstance(body, dict) else json.loads(body)
        props = deployed["Resources"]["LedgerTable"]["Properties"]
        self.assertEqual(props["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})
        self.assertEqual(props["PointInTimeRecoverySpecification"], {"PointInTimeRecoveryEnabled": True})
        self.assertEqual(deployed["Resources"]["LedgerTable"]["DeletionPolicy"], "Retain")

    def test_event_source_mappings_report_batch_item_failures(self):
        lambda_client = infra.client("lambda", self.endpoint)
        for platform in PLATFORMS:
            function = self.created[f"{platform.logical_id}Function"]["PhysicalResourceId"]
            mappings = lambda_client.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
            self.assertEqual(len(mappings), 1, mappings)
            mapping = mappings[0]
            self.assertEqual(mapping["EventSourceArn"], self.outputs[f"{platform.logical_id}QueueArn"])
            self.assertEqual(mapping["FunctionResponseTypes"], ["ReportBatchItemFailures"])
            self.assertEqual(mapping["BatchSize"], int(self.batch_sizes[platform.name]), platform.name)

    def test_function_roles_carry_the_narrow_policies(self):
        iam = infra.client("iam", self.endpoint)
        for platform in PLATFORMS:
            role = self.created[f"{platform.logical_id}FunctionRole"]["PhysicalResourceId"]
            names = iam.list_role_policies(RoleName=role)["PolicyNames"]
            self.assertTrue(names, role)
            document = json.dumps([iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"] for n in names])
            self.assertIn(f"secret:orderstatus/{platform.name}/*", document)
            self.assertIn(self.outputs[f"{platform.logical_id}QueueArn"], document)
            self.assertNotIn('"Resource": "*"', document)

    def test_deployed_template_holds_schedules_alarms_and_queue_policy(self):
        # moto stores the template even for resource types it does not create.
        body = self.cloudformation.get_template(StackName=self.stack_name)["TemplateBody"]
        template = body if isinstance(body, dict) else json.loads(body)
        types = [v["Type"] for v in template["Resources"].values()]
        self.assertEqual(types.count("AWS::Scheduler::Schedule"), 3 * len(PLATFORMS))
        self.assertEqual(types.count("AWS::CloudWatch::Alarm"), len(ALARMS) * len(PLATFORMS))
        self.assertEqual(types.count("AWS::SQS::QueuePolicy"), len(PLATFORMS))

    def test_dashboard_resolves_to_json_with_the_stack_s_queues(self):
        # moto's CloudFormation creates the dashboard with Sub resolved: the body must be JSON
        # that names the queues the stack made, in the stack's region.
        self.assertIn("Dashboard", self.created)
        cloudwatch = infra.client("cloudwatch", self.endpoint)
        body = json.loads(cloudwatch.get_dashboard(DashboardName=self.stack_name)["DashboardBody"])
        groups = widgets_by_platform(body)
        self.assertEqual(list(groups), [p.name for p in PLATFORMS])
        for platform in PLATFORMS:
            queues = {d["QueueName"] for w in groups[platform.name] for _, _, d, _ in metric_lines(w) if "QueueName" in d}
            expected = {self.outputs[f"{platform.logical_id}{q}Url"].rsplit("/", 1)[1] for q in ("Queue", "DeadLetterQueue")}
            self.assertEqual(queues, expected, platform.name)
            regions = {w["properties"]["region"] for w in groups[platform.name] if w["type"] == "metric"}
            self.assertEqual(regions, {infra.REGION})
            lines = [a["value"] for w in groups[platform.name]
                     for a in w["properties"].get("annotations", {}).get("horizontal", []) if a["label"] == "alarm"]
            self.assertIn(7, lines, "the refusal threshold is the deployed parameter's value")

    def test_report_what_moto_created(self):
        template = infra.transform(infra.load_template(), self.parameters)
        missing = sorted(
            f"{logical_id} ({resource['Type']})"
            for logical_id, resource in template["Resources"].items()
            if logical_id not in self.created
        )
        print(f"\n  moto created {len(self.created)} of {len(template['Resources'])} resources; not: {', '.join(missing)}")
        self.assertIn("LedgerTable", self.created)
        for platform in PLATFORMS:
            self.assertIn(f"{platform.logical_id}FunctionQueue", self.created)

    def test_redeploy_with_same_inputs_changes_nothing(self):
        again = infra.deploy(self.endpoint, self.stack_name, self.parameters)
        self.assertEqual(again, self.outputs)


class LocalDeployTest(unittest.TestCase):
    def test_local_stack_has_queues_and_table_and_no_functions(self):
        endpoint = moto_endpoint()
        stack_name = f"l-{uuid.uuid4().hex[:10]}"
        outputs = infra.deploy(endpoint, stack_name, {"LedgerDeletionProtection": "false"}, local=True)
        self.assertEqual(
            sorted(outputs),
            sorted(
                ["LedgerTableName"]
                + [
                    f"{p.logical_id}{o}"
                    for p in PLATFORMS
                    for o in ("QueueUrl", "QueueArn", "DeadLetterQueueUrl", "DeadLetterQueueArn")
                ]
            ),
        )
        created = infra.client("cloudformation", endpoint).describe_stack_resources(StackName=stack_name)["StackResources"]
        types = {r.get("ResourceType", "") for r in created}
        self.assertIn("AWS::SQS::Queue", types)
        self.assertFalse([t for t in types if t.startswith("AWS::Lambda::")])


if __name__ == "__main__":
    unittest.main()
