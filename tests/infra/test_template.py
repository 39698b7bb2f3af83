"""Tests of infra/template.yaml, offline: cfn-lint, the SAM transform, and a deployment into moto
server's CloudFormation.

Run by scripts/test with the project's .venv/bin/python, against the moto server it started
(ORDERSTATUS_TEST_MOTO). Alone:
    ORDERSTATUS_TEST_MOTO=http://127.0.0.1:PORT .venv/bin/python -m unittest discover -s tests/infra -v

moto's CloudFormation cannot create every resource type the template uses (it skips them with a
warning); what it skips is checked in the transformed template instead, and listed by
`test_report_what_moto_created`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import infra  # noqa: E402

PLATFORMS = ["Cv3", "SellerCenter"]
SCHEDULE_INPUTS = {'{"action":"drain"}', '{"action":"redrive"}', '{"action":"sweep"}'}


def moto_endpoint() -> str:
    endpoint = os.environ.get("ORDERSTATUS_TEST_MOTO")
    if not endpoint:
        raise unittest.SkipTest("ORDERSTATUS_TEST_MOTO is not set (scripts/test sets it)")
    return endpoint


def resources_of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


class LintTest(unittest.TestCase):
    def lint(self, path: Path) -> subprocess.CompletedProcess:
        linter = Path(sys.executable).parent / "cfn-lint"
        return subprocess.run([str(linter), "--", str(path)], capture_output=True, text=True, check=False)

    def test_template_has_no_errors_or_warnings(self):
        result = self.lint(infra.TEMPLATE)
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
            result = self.lint(Path(copy.name))
        self.assertNotEqual(result.returncode, 0, "cfn-lint accepted a broken template")


class TransformTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.template = infra.transform(infra.load_template())

    def test_each_platform_has_three_disabled_schedules(self):
        schedules = resources_of_type(self.template, "AWS::Scheduler::Schedule")
        for platform in PLATFORMS:
            own = {k: v for k, v in schedules.items() if k.startswith(f"{platform}Function")}
            inputs = {v["Properties"]["Target"]["Input"] for v in own.values()}
            self.assertEqual(inputs, SCHEDULE_INPUTS, platform)
            for schedule in own.values():
                self.assertEqual(schedule["Properties"]["State"], {"Ref": "SchedulesState"})
                target = schedule["Properties"]["Target"]["Arn"]
                self.assertEqual(target, {"Fn::GetAtt": [f"{platform}Function", "Arn"]})
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
            variables = functions[f"{platform}Function"]["Properties"]["Environment"]["Variables"]
            for variable in ("LEDGER_TABLE", "QUEUE_URL", "DEAD_LETTER_QUEUE_URL"):
                self.assertIn(variable, variables, platform)

    def test_sqs_triggers_report_item_failures_and_can_be_paused(self):
        mappings = resources_of_type(self.template, "AWS::Lambda::EventSourceMapping")
        self.assertEqual(len(mappings), len(PLATFORMS))
        for mapping in mappings.values():
            props = mapping["Properties"]
            self.assertEqual(props["FunctionResponseTypes"], ["ReportBatchItemFailures"])
            self.assertEqual(props["Enabled"], {"Ref": "QueueTriggersEnabled"})
            self.assertEqual(props["ScalingConfig"], {"MaximumConcurrency": {"Ref": "MaximumConcurrency"}})
            self.assertEqual(props["MaximumBatchingWindowInSeconds"], {"Ref": "MaximumBatchingWindowInSeconds"})

    def test_queue_visibility_is_six_function_timeouts(self):
        template = infra.load_template()
        allowed = template["Parameters"]["FunctionTimeout"]["AllowedValues"]
        mapping = template["Mappings"]["VisibilityTimeouts"]
        self.assertEqual(sorted(mapping, key=int), sorted(allowed, key=int))
        for timeout in allowed:
            self.assertGreaterEqual(mapping[timeout]["Seconds"], 6 * int(timeout))
        for platform in PLATFORMS:
            visibility = template["Resources"][f"{platform}Queue"]["Properties"]["VisibilityTimeout"]
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
            role = self.template["Resources"][f"{platform}FunctionRole"]
            text = json.dumps(role["Properties"]["Policies"])
            self.assertIn(f"secret:orderstatus/{platform.lower()}/*", text)
            self.assertNotIn("secret:orderstatus/*", text)

    def test_alarms_watch_dead_letters_and_oldest_message(self):
        alarms = resources_of_type(self.template, "AWS::CloudWatch::Alarm")
        for platform in PLATFORMS:
            dlq = alarms[f"{platform}DeadLettersAlarm"]["Properties"]
            self.assertEqual(dlq["MetricName"], "ApproximateNumberOfMessagesVisible")
            self.assertEqual(dlq["Dimensions"][0]["Value"], {"Fn::GetAtt": [f"{platform}DeadLetterQueue", "QueueName"]})
            oldest = alarms[f"{platform}OldestMessageAlarm"]["Properties"]
            self.assertEqual(oldest["MetricName"], "ApproximateAgeOfOldestMessage")
            self.assertEqual(oldest["Threshold"], {"Ref": "OldestMessageAlarmSeconds"})
            for alarm in (dlq, oldest):
                self.assertEqual(alarm["AlarmActions"]["Fn::If"][0], "HasAlarmTopic")

    def test_producers_get_send_message_through_a_queue_policy(self):
        for platform in PLATFORMS:
            policy = self.template["Resources"][f"{platform}QueuePolicy"]
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
        self.assertIn("Cv3Function", removed)
        self.assertNotIn("Cv3FunctionName", local["Outputs"])
        self.assertIn("Cv3QueueUrl", local["Outputs"])


class StatusDetailsEndpointTest(unittest.TestCase):
    """Seller Center's getStatusDetailOptionList endpoint: a public function URL whose requests
    authenticate themselves (signed query), reading only Seller Center's secrets."""

    @classmethod
    def setUpClass(cls):
        cls.template = infra.transform(infra.load_template())

    def test_function_url_is_public_and_output(self):
        urls = resources_of_type(self.template, "AWS::Lambda::Url")
        self.assertEqual(len(urls), 1)
        url = next(iter(urls.values()))["Properties"]
        self.assertEqual(url["AuthType"], "NONE")
        self.assertEqual(url["TargetFunctionArn"], {"Ref": "SellerCenterStatusDetailsFunction"})
        output = self.template["Outputs"]["SellerCenterStatusDetailsUrl"]["Value"]
        self.assertEqual(output, {"Fn::GetAtt": ["SellerCenterStatusDetailsFunctionUrl", "FunctionUrl"]})

    def test_endpoint_reads_only_seller_center_secrets(self):
        role = self.template["Resources"]["SellerCenterStatusDetailsFunctionRole"]
        statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
        self.assertEqual([s["Action"] for s in statements], ["secretsmanager:GetSecretValue"])
        self.assertIn("secret:orderstatus/sellercenter/*", json.dumps(statements))


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
            "SellerCenterBatchSize": "2000",
            "LedgerDeletionProtection": "false",
            "ProducerPrincipals": "111122223333",
        }
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
            queue = sqs.get_queue_attributes(QueueUrl=self.outputs[f"{platform}QueueUrl"], AttributeNames=["All"])[
                "Attributes"
            ]
            dlq = sqs.get_queue_attributes(
                QueueUrl=self.outputs[f"{platform}DeadLetterQueueUrl"], AttributeNames=["All"]
            )["Attributes"]
            redrive = json.loads(queue["RedrivePolicy"])
            self.assertEqual(redrive["deadLetterTargetArn"], dlq["QueueArn"])
            self.assertEqual(int(redrive["maxReceiveCount"]), 7)
            self.assertEqual(queue["VisibilityTimeout"], "720")
            self.assertEqual(dlq["MessageRetentionPeriod"], "1209600")
            self.assertEqual(self.outputs[f"{platform}QueueArn"], queue["QueueArn"])
            self.assertTrue(self.outputs[f"{platform}QueueUrl"].endswith(f"{self.stack_name}-{platform.lower()}"))

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
            function = self.created[f"{platform}Function"]["PhysicalResourceId"]
            mappings = lambda_client.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
            self.assertEqual(len(mappings), 1, mappings)
            mapping = mappings[0]
            self.assertEqual(mapping["EventSourceArn"], self.outputs[f"{platform}QueueArn"])
            self.assertEqual(mapping["FunctionResponseTypes"], ["ReportBatchItemFailures"])
            self.assertEqual(mapping["BatchSize"], 2000 if platform == "SellerCenter" else 250)

    def test_function_roles_carry_the_narrow_policies(self):
        iam = infra.client("iam", self.endpoint)
        for platform in PLATFORMS:
            role = self.created[f"{platform}FunctionRole"]["PhysicalResourceId"]
            names = iam.list_role_policies(RoleName=role)["PolicyNames"]
            self.assertTrue(names, role)
            document = json.dumps([iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"] for n in names])
            self.assertIn(f"secret:orderstatus/{platform.lower()}/*", document)
            self.assertIn(self.outputs[f"{platform}QueueArn"], document)
            self.assertNotIn('"Resource": "*"', document)

    def test_deployed_template_holds_schedules_alarms_and_queue_policy(self):
        # moto stores the template even for resource types it does not create.
        body = self.cloudformation.get_template(StackName=self.stack_name)["TemplateBody"]
        template = body if isinstance(body, dict) else json.loads(body)
        types = [v["Type"] for v in template["Resources"].values()]
        self.assertEqual(types.count("AWS::Scheduler::Schedule"), 3 * len(PLATFORMS))
        self.assertEqual(types.count("AWS::CloudWatch::Alarm"), 2 * len(PLATFORMS))
        self.assertEqual(types.count("AWS::SQS::QueuePolicy"), len(PLATFORMS))

    def test_report_what_moto_created(self):
        template = infra.transform(infra.load_template(), self.parameters)
        missing = sorted(
            f"{logical_id} ({resource['Type']})"
            for logical_id, resource in template["Resources"].items()
            if logical_id not in self.created
        )
        print(f"\n  moto created {len(self.created)} of {len(template['Resources'])} resources; not: {', '.join(missing)}")
        self.assertIn("LedgerTable", self.created)
        self.assertIn("Cv3FunctionQueue", self.created)

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
                + [f"{p}{o}" for p in PLATFORMS for o in ("QueueUrl", "QueueArn", "DeadLetterQueueUrl", "DeadLetterQueueArn")]
            ),
        )
        created = infra.client("cloudformation", endpoint).describe_stack_resources(StackName=stack_name)["StackResources"]
        types = {r.get("ResourceType", "") for r in created}
        self.assertIn("AWS::SQS::Queue", types)
        self.assertFalse([t for t in types if t.startswith("AWS::Lambda::")])


if __name__ == "__main__":
    unittest.main()
