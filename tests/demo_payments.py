"""Starting `make run`'s payments as `make run` does: bin/with-demo-stripe around a stand-in
for the dev server that reports the environment it was given and runs until told to stop."""

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# The stand-in server: prints what payments it was pointed at, then waits for its stdin to close.
STAND_IN = """
import json, os, sys
print(json.dumps({k: os.environ.get(k) for k in
      ("STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")}), flush=True)
sys.stdin.read()
"""


@dataclass
class DemoPayments:
    process: subprocess.Popen
    api_base: str
    secret_key: str
    webhook_secret: str

    def point_site_at_it(self, django_settings) -> None:
        """The live test server plays the dev server: give it the environment it was given."""
        django_settings.STRIPE_API_BASE = self.api_base
        django_settings.STRIPE_SECRET_KEY = self.secret_key
        django_settings.STRIPE_WEBHOOK_SECRET = self.webhook_secret

    def stop_site(self) -> int:
        """End the stand-in dev server as a Ctrl-C would end runserver; the wrapper's code."""
        self.process.stdin.close()
        return self.process.wait(20)


def start_demo_payments(site_url: str, **env: str) -> DemoPayments:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("STRIPE_")}
    process = subprocess.Popen(
        [sys.executable, "bin/with-demo-stripe", site_url, "--", sys.executable, "-c", STAND_IN],
        cwd=ROOT,
        env={**environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    given = json.loads(process.stdout.readline())
    return DemoPayments(
        process,
        given["STRIPE_API_BASE"],
        given["STRIPE_SECRET_KEY"],
        given["STRIPE_WEBHOOK_SECRET"],
    )


def is_listening(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) == 0
