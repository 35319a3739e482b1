"""The API and launcher functions of a deployed stage, run on this machine for tests.

``python -m tests.stack_lambdas --port P --queue-url U`` runs with the environment
that infra/deploy.py gives the Lambda functions. It serves the API on
127.0.0.1:P. It also hands the launch queue's messages to the ``launcher`` handler
one at a time, as the launcher's SQS event source does. A message is deleted when
the handler returns, and stays on the queue for redelivery when it raises.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from chalice.test import Client

from infra.api_server import ApiServer, load_app
from infra.local_stack import HOST
from paropt.settings import Settings

logger = logging.getLogger("tests.stack_lambdas")


def serve(port: int, queue_url: str) -> None:
    """Serve the API and consume the launch queue until SIGTERM."""
    app = load_app()
    server = ApiServer(app, HOST, port)
    server.start()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    sqs = Settings.from_environment().boto3_client("sqs")
    with Client(app) as client:
        while not stopping.is_set():
            answer = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1
            )
            for message in answer.get("Messages", []):
                event = client.events.generate_sqs_event(
                    message_bodies=[message["Body"]], queue_name=queue_url.rsplit("/", 1)[-1]
                )
                try:
                    client.lambda_.invoke("launcher", event)
                except Exception:  # noqa: BLE001 - Lambda's SQS source redelivers the message
                    logger.exception("the launcher failed on message %s", message["MessageId"])
                    continue
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--queue-url", required=True)
    args = parser.parse_args()
    serve(args.port, args.queue_url)


if __name__ == "__main__":
    main()
