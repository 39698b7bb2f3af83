#!/usr/bin/env python3
# usage: scripts/perf_layers.py PERF_DATA COMM  (docs/cost.md)
"""Attributes each perf sample of the function process to a layer: the first frame from the leaf
outwards that names one (so malloc called by hyper counts as hyper)."""
import re, subprocess, sys, collections
LAYERS = [
    ("TCP connection set-up/close (moto closes each one)", r"__sys_connect|tcp_v4_connect|inet_stream_connect|__x64_sys_close|tcp_close|ConnectingTcp|connect::http::HttpConnector|TcpStream::connect|tcp_set_state|inet_release|__tcp_close"),
    ("logging (one JSON line per message)", r"orderstatus::telemetry|JsonLines|tracing_subscriber::fmt::fmt_layer|fmt::Subscriber.*event|FormatEvent"),
    ("metrics lines (EMF)", r"orderstatus::metrics::(emf_lines|write_lines)"),
    ("SigV4 signing", r"aws_sigv4|SigV4Signer|sha2::|hmac::"),
    ("request serialisation", r"aws_smithy_json::serialize|ser_update_item|ser_.*_input|serialize_structure|AttributeValue.*serialize"),
    ("response deserialisation", r"aws_smithy_json::deserialize|deser_|ResponseDeserializer|de_update_item|de_.*_http_"),
    ("HTTP client (hyper, pool, body)", r"hyper::|hyper_util::|h2::|http_body|aws_smithy_http_client|http::header|sock_sendmsg|tcp_sendmsg|tcp_recvmsg|sock_recvmsg|__x64_sys_sendto|__x64_sys_recvfrom|__x64_sys_write|__x64_sys_read|tcp_v4_rcv|ip_"),
    ("SDK orchestration (interceptors, endpoint, retries, user agent, config bag)", r"aws_smithy_runtime|aws_runtime|aws_smithy_types|aws_sdk_|aws_smithy_runtime_api|aws_types|aws_endpoint|endpoint_lib"),
    ("tokio scheduling, wake-ups, timers (multi-thread)", r"tokio::runtime|futex|finish_task_switch|__schedule|schedule_hrtimeout|do_epoll|ep_poll|epoll|try_to_wake_up|eventfd|reschedule_ipi|irqentry_exit"),
    ("ledger request building and reading", r"orderstatus::ledger"),
    ("lambda runtime + event deserialisation", r"lambda_runtime|aws_lambda_events|serde_path_to_error|orderstatus::scheduled"),
    ("batch handler (parse, validate, map, bookkeeping)", r"orderstatus|serde_json|tracing::instrument|tracing_core|tracing::span"),
]
pats = [(n, re.compile(p)) for n, p in LAYERS]
def main(path, comm):
    out = subprocess.run(["perf", "script", "-i", path, "--comm", comm, "-F", "comm,ip,sym"],
                         capture_output=True, text=True).stdout
    counts = collections.Counter(); alloc = collections.Counter(); total = 0
    for block in out.split("\n\n"):
        lines = [l.strip() for l in block.strip().splitlines()]
        if len(lines) < 2:
            continue
        frames = lines[1:]
        total += 1
        layer = "other"
        for f in frames:
            for n, p in pats:
                if p.search(f):
                    layer = n; break
            if layer != "other":
                break
        counts[layer] += 1
        if re.search(r"malloc|_int_free|cfree|realloc|memmove|memcpy", frames[0]):
            alloc[layer] += 1
    print(f"| layer | share of the function's CPU samples | of which malloc/free/memcpy |")
    print("|---|---|---|")
    for n, c in counts.most_common():
        print(f"| {n} | {100*c/total:.1f} % | {100*alloc[n]/total:.1f} % |")
    print(f"\n{total} samples")
main(sys.argv[1], sys.argv[2])
