"""moto server, with DynamoDB requests applied one at a time.

Real DynamoDB applies each conditional write atomically: of two concurrent conditional
writes to one item, at most one can pass its condition. moto checks the condition and writes
without a lock, so under concurrent requests both can pass. The upload ledger's guarantees
(one winner among concurrent duplicate claims) rest on that atomicity, so the local stack
serialises DynamoDB requests to give the tests the semantics of the real service. Other
services (SQS long polls in particular) stay concurrent.

It also counts the DynamoDB requests it serves, for figures such as the soak run's requests
per message: `GET /orderstatus/dynamodb-requests` answers the count as plain text.

Usage: python scripts/moto_server.py [-H HOST] [-p PORT]
"""

import argparse
import signal
import sys
import threading

from moto import server
from werkzeug.serving import run_simple

DYNAMODB_TARGET_PREFIX = "DynamoDB_"
COUNT_PATH = "/orderstatus/dynamodb-requests"


class SerialDynamoDB:
    """WSGI middleware holding one lock for the whole of each DynamoDB request."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.requests = 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == COUNT_PATH:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(self.requests).encode()]
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
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = server.DomainDispatcherApplication(server.create_backend_app)
    run_simple(
        args.host,
        args.port,
        SerialDynamoDB(app),
        threaded=True,
        request_handler=server.MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
