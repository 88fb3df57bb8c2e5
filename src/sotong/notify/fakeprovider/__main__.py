"""Run the fake provider as its own process:

    python -m sotong.notify.fakeprovider --port 18090 \\
        --report-url http://127.0.0.1:8000/notify/hooks/solapi/report \\
        --inbound-url http://127.0.0.1:8000/notify/hooks/solapi/inbound \\
        --secret demo-webhook-secret [--state-file var/fakeprovider.json]

The API key and secret default to the project's demo values (SOTONG_SOLAPI_API_KEY and
SOTONG_SOLAPI_API_SECRET when set). The first line printed is ``listening on <url>`` (with
``--port 0`` the free port picked); the inbox is at that URL."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .server import make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sotong.notify.fakeprovider")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--report-url", default=None, help="delivery-report webhook URL")
    parser.add_argument("--inbound-url", default=None, help="inbound SMS webhook URL")
    parser.add_argument(
        "--secret",
        default=os.environ.get("SOTONG_SOLAPI_WEBHOOK_SECRET", "demo-webhook-secret"),
        help="shared secret that signs the webhooks",
    )
    parser.add_argument(
        "--api-key", default=os.environ.get("SOTONG_SOLAPI_API_KEY", "NCSDEMOKEY0000000")
    )
    parser.add_argument(
        "--api-secret", default=os.environ.get("SOTONG_SOLAPI_API_SECRET", "demo-secret")
    )
    parser.add_argument("--report-delay", type=float, default=0.2, help="seconds")
    parser.add_argument("--state-file", default=None, help="keep messages in this JSON file")
    parser.add_argument(
        "--max-messages", type=int, default=None, help="keep only the newest N in memory"
    )
    args = parser.parse_args(argv)

    server = make_server(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        api_secret=args.api_secret,
        webhook_secret=args.secret,
        report_url=args.report_url,
        inbound_url=args.inbound_url,
        report_delay=args.report_delay,
        state_file=args.state_file,
        max_messages=args.max_messages,
    )
    stopped = threading.Event()

    def stop(*_: object) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()
    print(f"listening on {server.url}", flush=True)
    while not stopped.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
