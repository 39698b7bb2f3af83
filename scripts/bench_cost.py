"""Helper of scripts/bench-cost: the workload's events, the account secret, and the report.

The workload of one platform (see scripts/bench-cost --help):

  main process   1 warm-up event (1 record: the account secret, the lease check and the first
                 connections; not counted), then the phases
                   new-1     SMALL 1-record events, each a new order
                   dup-1     the same events again: every message a duplicate
                   new-10    MEDIUM orders in 10-record events, new
                   dup-10    the same events again
  large process  one LARGE-record event of new orders, then the same event again
  init processes fresh processes that each handle one 1-record event (cold start)

Every figure comes from the function process's own counters (utime + stime and VmRSS/VmHWM,
read by lambda-runtime-api around each invocation), moto's request counters (read after each
invocation) and the function's own metrics lines (platform calls, outcomes).
"""

import base64
import hashlib
import json
import os
import statistics
import sys
import time
import uuid
import zipfile

REGION = os.environ.get("AWS_REGION", "us-east-1")
QUEUE_ARN = {
    "cv3": "arn:aws:sqs:us-east-1:123456789012:orderstatus-cv3",
    "sellercenter": "arn:aws:sqs:us-east-1:123456789012:orderstatus-sellercenter",
}
PHASES = ["new-1", "dup-1", "new-10", "dup-10"]


def message(platform, order_id):
    """A seed-shaped message: seed 000's example for CV3 (an order shipped in two packages),
    seed 004's shipped item for Seller Center (one item in one package)."""
    if platform == "cv3":
        body = {
            "version": 1, "platform": "cv3", "order": {"id": order_id},
            "occurred_at": "2018-09-23T16:00:00-04:00",
            "packages": [
                {"carrier": "UPS", "service": "Ground", "tracking_number": "1Z3123134135",
                 "shipped_at": "2018-09-23T10:00:00-04:00"},
                {"carrier": "FedEx", "service": "2-Day", "tracking_number": "4563543534",
                 "shipped_at": "2018-09-23T11:00:00-04:00"},
            ],
        }
    else:
        body = {
            "version": 1, "platform": "sellercenter", "id": f"oms-{order_id}-shipped",
            "order": {"id": order_id}, "occurred_at": "2017-02-11T18:30:00+01:00",
            "packages": [
                {"id": "P1", "carrier": "GDEX", "tracking_number": "389292777",
                 "shipped_at": "2017-02-11T18:10:55+01:00",
                 "lines": [{"line_id": f"{order_id}1"}]},
            ],
        }
    return json.dumps(body, separators=(",", ":"))


def sqs_record(platform, order_id):
    """One record as Lambda's SQS event source delivers it, with every field it carries (the
    AWS documentation's example): a receipt handle of the length SQS gives (about 200
    characters), the four system attributes, the body's MD5."""
    body = message(platform, order_id)
    now_ms = str(int(time.time() * 1000))
    handle = base64.b64encode(f"bench-{order_id}-".encode() + os.urandom(140)).decode()
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEB" + handle,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": now_ms,
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": now_ms,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN[platform],
        "awsRegion": REGION,
    }


def sqs_event(platform, order_ids):
    """An SqsEvent as Lambda's SQS event source delivers it to the function."""
    return {"Records": [sqs_record(platform, order_id) for order_id in order_ids]}


def dump(value):
    return json.dumps(value, separators=(",", ":"))


def write(path, value):
    with open(path, "w") as f:
        f.write(dump(value))


def load(path):
    with open(path) as f:
        return json.load(f)


def cmd_events(out_dir, platform, small, medium, large, init_runs):
    small, medium, large, init_runs = int(small), int(medium), int(large), int(init_runs)
    run = time.time_ns() // 1_000_000  # digits only: CV3 order ids are numeric
    counter = iter(range(10**7))

    def ids(n):
        return [f"{run}{next(counter):06d}" for _ in range(n)]

    phases = []
    with open(os.path.join(out_dir, "main.jsonl"), "w") as f:
        f.write(dump(sqs_event(platform, ids(1))) + "\n")
        index = 1
        for size, count in ((1, small), (10, medium)):
            events = [sqs_event(platform, ids(min(size, count - k)))
                      for k in range(0, count, size)]
            for kind in ("new", "dup"):
                for event in events:
                    f.write(dump(event) + "\n")
                phases.append({"name": f"{kind}-{size}", "records_per_event": size,
                               "first": index, "events": len(events), "messages": count})
                index += len(events)
    if large:
        event = sqs_event(platform, ids(large))
        with open(os.path.join(out_dir, "large.jsonl"), "w") as f:
            f.write(dump(event) + "\n")
            f.write(dump(event) + "\n")
    for k in range(init_runs):
        write(os.path.join(out_dir, f"init-{k + 1}.json"), sqs_event(platform, ids(1)))
    write(os.path.join(out_dir, "phases.json"),
          {"run": run, "platform": platform, "phases": phases, "large": large,
           "init_runs": init_runs})
    print(f"{platform}: run {run}: {small} + {medium} orders in 1- and 10-record events, "
          f"a {large}-record event, {init_runs} init events", file=sys.stderr)


def secrets_client():
    import boto3
    return boto3.client(
        "secretsmanager",
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )


def cmd_put_secret(name, value, state_file):
    client = secrets_client()
    previous = None
    try:
        previous = client.get_secret_value(SecretId=name)["SecretString"]
        client.put_secret_value(SecretId=name, SecretString=value)
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString=value)
    write(state_file, {"name": name, "ours": value, "previous": previous})


def cmd_restore_secret(state_file):
    state = load(state_file)
    if state["previous"] is None:
        return
    client = secrets_client()
    if client.get_secret_value(SecretId=state["name"])["SecretString"] == state["ours"]:
        client.put_secret_value(SecretId=state["name"], SecretString=state["previous"])


# --- the report ---------------------------------------------------------------------------------

def metrics_by_invocation(log_path):
    """The function's metrics lines summed per invocation (function_request_id), in order."""
    order, sums = [], {}
    if not os.path.exists(log_path):
        return []
    with open(log_path, errors="replace") as f:
        for line in f:
            if '"_aws"' not in line:
                continue
            try:
                value = json.loads(line)
            except ValueError:
                continue
            # One line per account (its dimension sets (Platform) and (Platform, Account) share
            # it), plus one for messages without a configured account.
            rid = value.get("function_request_id", "?")
            if rid not in sums:
                order.append(rid)
                sums[rid] = {}
            for key in ("Messages", "Uploaded", "Duplicate", "Stale", "NotApplicable", "Invalid",
                        "Rejected", "Transient", "PlatformCalls", "LedgerRequests"):
                if isinstance(value.get(key), (int, float)):
                    sums[rid][key] = sums[rid].get(key, 0) + value[key]
    return [sums[rid] for rid in order]


def requests(probe):
    if not isinstance(probe, dict):
        return {"total": 0, "by_service": {}}
    return probe


def span(report, metrics, first, count, hz):
    """Figures of invocations [first, first + count) of one process."""
    invocations = report["invocations"]
    before = invocations[first - 1] if first > 0 else None
    last = invocations[first + count - 1]
    counters_before = before["after"] if before else report["ready"]
    ticks_before = counters_before["cpu_ticks"]
    system_before = counters_before.get("system_ticks", 0)
    probe_before = requests(before["probe"] if before else report.get("ready_probe"))
    probe_after = requests(last.get("probe"))
    by_service = {
        service: probe_after["by_service"].get(service, 0) - probe_before["by_service"].get(service, 0)
        for service in probe_after["by_service"]
    }
    by_service = {k: v for k, v in by_service.items() if v}
    sums = {}
    for m in metrics[first:first + count]:
        for key, value in m.items():
            sums[key] = sums.get(key, 0) + value
    cpu_ms = (last["after"]["cpu_ticks"] - ticks_before) * 1000 / hz
    system_ms = (last["after"].get("system_ticks", 0) - system_before) * 1000 / hz
    return {
        "invocations": count,
        "ok": all(i["ok"] for i in invocations[first:first + count]),
        "wall_ms": round(sum(i["ms"] for i in invocations[first:first + count]), 1),
        "cpu_ms": round(cpu_ms, 1),
        "system_cpu_ms": round(system_ms, 1),
        "aws_requests": sum(by_service.values()),
        "aws_requests_by_service": by_service,
        "platform_calls": int(sums.get("PlatformCalls", 0)),
        "outcomes": {k.lower(): int(v) for k, v in sums.items()
                     if k not in ("Messages", "PlatformCalls", "LedgerRequests") and v},
        "ledger_requests_counted_by_the_function": int(sums.get("LedgerRequests", 0)),
        "rss_mb_after": round(last["after"]["rss_kb"] / 1024, 1),
        "peak_rss_mb_after": round(last["after"]["hwm_kb"] / 1024, 1),
    }


def per_message(figures, messages, hz):
    figures["messages"] = messages
    figures["cpu_ms_per_message"] = round(figures["cpu_ms"] / messages, 4)
    # One clock tick either way at each end of the phase.
    figures["cpu_ms_per_message_resolution"] = round(1000 / hz / messages, 4)
    requests_ = figures["aws_requests"]
    figures["cpu_ms_per_aws_request"] = round(figures["cpu_ms"] / requests_, 4) if requests_ else None
    return figures


def zip_size(function_bin, work):
    with open(function_bin, "rb") as f:
        binary = f.read()
    zip_path = os.path.join(work, "bootstrap.zip")
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, binary, zipfile.ZIP_DEFLATED)
    return len(binary), os.path.getsize(zip_path)


def cmd_platform_report(work, log_dir, platform, function_bin, out_file):
    plan = load(os.path.join(work, "phases.json"))
    main = load(os.path.join(log_dir, f"{platform}-main.report.json"))
    hz = main.get("clock_ticks_per_s", 100)
    main_metrics = metrics_by_invocation(os.path.join(log_dir, f"{platform}-main.function.log"))
    result = {"platform": platform, "run": plan["run"], "clock_tick_ms": 1000 / hz, "phases": {}}
    result["warm_up_first_event"] = span(main, main_metrics, 0, 1, hz)
    for phase in plan["phases"]:
        figures = span(main, main_metrics, phase["first"], phase["events"], hz)
        result["phases"][phase["name"]] = per_message(figures, phase["messages"], hz)
    result["main_idle_rss_mb"] = round(main["ready"]["rss_kb"] / 1024, 1)
    if plan["large"]:
        large = load(os.path.join(log_dir, f"{platform}-large.report.json"))
        metrics = metrics_by_invocation(os.path.join(log_dir, f"{platform}-large.function.log"))
        for k, name in enumerate((f"new-{plan['large']}", f"dup-{plan['large']}")):
            figures = span(large, metrics, k, 1, hz)
            result["phases"][name] = per_message(figures, plan["large"], hz)
        result["large_idle_rss_mb"] = round(large["ready"]["rss_kb"] / 1024, 1)
        result["large_peak_rss_mb"] = round(large["peak_rss_kb"] / 1024, 1)
    inits = [load(os.path.join(log_dir, f"{platform}-init-{k + 1}.report.json"))
             for k in range(plan["init_runs"])]
    if inits:
        result["cold_start_ms_median"] = round(statistics.median(r["init_ms"] for r in inits), 1)
        result["cold_start_ms_runs"] = [round(r["init_ms"], 1) for r in inits]
        result["cold_start_cpu_ms_median"] = statistics.median(
            r["ready"]["cpu_ticks"] * 1000 / hz for r in inits)
        result["first_event_ms_median"] = round(
            statistics.median(r["invocations"][0]["ms"] for r in inits), 1)
    binary, zipped = zip_size(function_bin, work)
    result["binary_mib"] = round(binary / 1024 / 1024, 2)
    result["zip_mib"] = round(zipped / 1024 / 1024, 2)
    write(out_file, result)


def cmd_summary(as_json, *files):
    results = [load(path) for path in files]
    if as_json == "true":
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"\n{r['platform']} (run {r['run']}; CPU from /proc, clock tick {r['clock_tick_ms']:g} ms)")
        print(f"  {'phase':<12} {'msgs':>6} {'events':>6} {'CPU ms':>8} {'(sys)':>6} {'ms/msg':>8} "
              f"{'±':>6} {'AWS req':>8} {'ms/req':>7} {'calls':>6} {'wall s':>7} {'peak MB':>8}  outcomes")
        for name, p in r["phases"].items():
            per_req = f"{p['cpu_ms_per_aws_request']:.3f}" if p["cpu_ms_per_aws_request"] else "-"
            print(f"  {name:<12} {p['messages']:>6} {p['invocations']:>6} {p['cpu_ms']:>8.0f} "
                  f"{p.get('system_cpu_ms', 0):>6.0f} "
                  f"{p['cpu_ms_per_message']:>8.3f} {p['cpu_ms_per_message_resolution']:>6.3f} "
                  f"{p['aws_requests']:>8} {per_req:>7} {p['platform_calls']:>6} "
                  f"{p['wall_ms'] / 1000:>7.1f} {p['peak_rss_mb_after']:>8.1f}  "
                  f"{p['outcomes']}{'' if p['ok'] else ' FAILED'}")
        w = r["warm_up_first_event"]
        print(f"  first event of a process: {w['cpu_ms']:.0f} ms CPU, {w['aws_requests']} AWS "
              f"requests {w['aws_requests_by_service']}, {w['wall_ms']:.0f} ms")
        if "cold_start_ms_median" in r:
            print(f"  cold start (spawn -> ready): median {r['cold_start_ms_median']} ms "
                  f"{r['cold_start_ms_runs']}, CPU {r['cold_start_cpu_ms_median']:g} ms; "
                  f"first 1-record event {r['first_event_ms_median']} ms")
        if "large_peak_rss_mb" in r:
            print(f"  memory: idle {r['large_idle_rss_mb']} MB; peak RSS (VmHWM) over the large "
                  f"events {r['large_peak_rss_mb']} MB")
        print(f"  binary {r['binary_mib']} MiB stripped, {r['zip_mib']} MiB zipped")


def main():
    command, *args = sys.argv[1:]
    {
        "events": cmd_events,
        "put-secret": cmd_put_secret,
        "restore-secret": cmd_restore_secret,
        "platform-report": cmd_platform_report,
        "summary": cmd_summary,
    }[command](*args)


if __name__ == "__main__":
    main()
