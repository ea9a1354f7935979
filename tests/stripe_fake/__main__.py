"""Run the local Stripe-compatible server as a process of its own, for `make run`'s demo
payments (bin/with-demo-stripe starts it). The site reaches it only over HTTP, as the tests do.

    python -m tests.stripe_fake [--port 0] [--webhook URL --webhook-secret WHSEC]
                                [--stop-when-stdin-closes]

Once listening it prints its API base (e.g. http://127.0.0.1:40123) as the only line on
standard output, then serves until interrupted or terminated, or, with
--stop-when-stdin-closes, until its standard input closes: the process that started it with a
pipe there cannot leave it running, even if that process is killed outright.
"""

import argparse
import os
import select
import signal
import sys
import threading

from tests.stripe_fake import start_fake_stripe


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.stripe_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="0 (the default): any free port")
    parser.add_argument("--webhook", help="URL to deliver every event to")
    parser.add_argument("--webhook-secret", help="signing secret for --webhook (whsec_...)")
    parser.add_argument("--webhook-delay", type=float, default=0.5, help="seconds (0.5)")
    parser.add_argument("--stop-when-stdin-closes", action="store_true")
    args = parser.parse_args(argv)
    if bool(args.webhook) != bool(args.webhook_secret):
        parser.error("--webhook and --webhook-secret go together")

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    fake = start_fake_stripe(args.host, webhook_delay=args.webhook_delay, port=args.port)
    try:
        if args.webhook:
            fake.register_webhook(args.webhook, args.webhook_secret)
        print(fake.api_base, flush=True)
        watched = [sys.stdin] if args.stop_when_stdin_closes else []
        while not stop.is_set():
            readable, _, _ = select.select(watched, [], [], 0.5)
            if readable and not os.read(sys.stdin.fileno(), 4096):
                break  # end of file: whoever started this has gone
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
