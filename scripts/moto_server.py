"""moto server, with DynamoDB requests applied one at a time.

Real DynamoDB applies each conditional write atomically: of two concurrent conditional
writes to one item, at most one can pass its condition. moto checks the condition and writes
without a lock, so under concurrent requests both can pass. The upload ledger's guarantees
(one winner among concurrent duplicate claims) rest on that atomicity, so the local stack
serialises DynamoDB requests to give the tests the semantics of the real service. Other
services (SQS long polls in particular) stay concurrent.

It also counts the DynamoDB requests it serves, for figures such as the soak run's requests
per message: `GET /orderstatus/dynamodb-requests` answers the count as plain text, and
`GET /orderstatus/requests` every AWS request served so far, as JSON: `{"total": N,
"by_service": {"dynamodb": N, "sqs": N, "secretsmanager": N, ...}}` (the service named by the
request's `X-Amz-Target` prefix, else by its SigV4 credential scope), for benchmarks.

`--keep-alive` serves the same application with waitress instead of werkzeug's development
server: werkzeug answers every request with `Connection: close`, so every request of a client
pays a new TCP connection, which AWS's endpoints do not make it pay. Benchmarks of the
functions' CPU per request (scripts/bench-cost) use it; `/orderstatus/requests` tells which
server answers (`"keep_alive": true`).

Usage: python scripts/moto_server.py [-H HOST] [-p PORT] [--keep-alive]
"""

import argparse
import json
import re
import signal
import sys
import threading

from moto import server
from werkzeug.serving import run_simple

DYNAMODB_TARGET_PREFIX = "DynamoDB_"
COUNT_PATH = "/orderstatus/dynamodb-requests"
REQUESTS_PATH = "/orderstatus/requests"
# AWS4-HMAC-SHA256 Credential=KEY/20240101/us-east-1/sqs/aws4_request, ...
SCOPE_SERVICE = re.compile(r"Credential=[^/]*/[^/]*/[^/]*/([^/]*)/")
TARGET_SERVICES = {"dynamodb": "dynamodb", "amazonsqs": "sqs", "secretsmanager": "secretsmanager"}


def service_of(environ):
    """The AWS service a request is for: its X-Amz-Target prefix, else its signing scope."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        prefix = re.split(r"[._]", target, maxsplit=1)[0].lower()
        return TARGET_SERVICES.get(prefix, prefix)
    scope = SCOPE_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else "other"


class SerialDynamoDB:
    """WSGI middleware holding one lock for the whole of each DynamoDB request."""

    def __init__(self, app, keep_alive=False):
        self.app = app
        self.keep_alive = keep_alive
        self.lock = threading.Lock()
        self.requests = 0
        self.count_lock = threading.Lock()
        self.by_service = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or ""
        if path == COUNT_PATH:
            body = str(self.requests).encode()
            start_response("200 OK", [("Content-Type", "text/plain"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        if path == REQUESTS_PATH:
            with self.count_lock:
                counts = dict(self.by_service)
            body = json.dumps({"total": sum(counts.values()), "by_service": counts,
                               "keep_alive": self.keep_alive}).encode()
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        if not path.startswith("/moto-api"):
            service = service_of(environ)
            with self.count_lock:
                self.by_service[service] = self.by_service.get(service, 0) + 1
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET_PREFIX):
            return self.app(environ, start_response)
        with self.lock:
            self.requests += 1
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        return [body]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--keep-alive", action="store_true",
                        help="serve with waitress, which keeps connections open (benchmarks)")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = server.DomainDispatcherApplication(server.create_backend_app)
    if args.keep_alive:
        import waitress  # only the benchmarks need it; scripts/requirements-dev.txt installs it

        # Threads: SQS long polls hold one each for up to 20 s.
        waitress.create_server(SerialDynamoDB(app, keep_alive=True), host=args.host,
                               port=args.port, threads=16, ident=None).run()
        return
    run_simple(
        args.host,
        args.port,
        SerialDynamoDB(app),
        threaded=True,
        request_handler=server.MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
