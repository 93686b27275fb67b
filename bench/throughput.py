"""Throughput with wrk on the loopback interface, bounded in time."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import urllib.request
from dataclasses import dataclass, replace


@dataclass
class Run:
    label: str
    url: str
    requests_per_second: float
    latency: str
    errors: str


def wrk_binary() -> str | None:
    return shutil.which("wrk")


def run(label: str, url: str, *, threads: int = 2, connections: int = 32, seconds: int = 5) -> Run:
    """One wrk run (``-t2 -c32 -d5s`` by default), anonymous: no cookies.

    One request first: nginx drops a page nobody asked for in 10 s
    (``inactive``), and the first request for a dropped page makes every
    concurrent one wait on the cache lock (nginx checks it every 500 ms).
    That is a cold start, not the steady state measured here.
    """
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
    result = subprocess.run(
        [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
    )
    out = result.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    latency = re.search(r"^\s+Latency\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    problems = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    if result.returncode:
        problems.append(f"wrk exited with {result.returncode}: {result.stderr.strip()[:200]}")
    return Run(
        label=label,
        url=url,
        requests_per_second=float(rps.group(1)) if rps else 0.0,
        latency=f"{latency.group(1) if latency else '?'} avg, {p99.group(1) if p99 else '?'} p99",
        errors="; ".join(problems),
    )


def median(runs: list[Run]) -> Run:
    """The run with the median requests per second (its latency and errors with it)."""
    ordered = sorted(runs, key=lambda run: run.requests_per_second)
    middle = ordered[len(ordered) // 2]
    label = f"{middle.label} (median of {len(runs)})" if len(runs) > 1 else middle.label
    errors = "; ".join(sorted({run.errors for run in runs if run.errors}))
    return replace(
        middle, label=label, requests_per_second=statistics.median(r.requests_per_second for r in runs), errors=errors
    )
