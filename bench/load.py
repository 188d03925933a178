"""Driving a server with wrk: one generated Lua script per scenario, figures read back as JSON.

wrk measures; the Lua scripts only shape the requests (method, body, cookie, a fresh
payloadID per request) and check the answers cheaply, so that a scenario whose requests are
refused (a replayed payloadID, a lost login) shows up as errors instead of as speed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

WRK_PACKAGE = "wrk"  # the Debian package

# Shared by every script: per-thread counters, and a summary line wrk prints when done.
COMMON_LUA = r"""
local threads = {}
counter = 0
bad = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function done(summary, latency, requests)
  local unexpected = 0
  for _, thread in ipairs(threads) do
    unexpected = unexpected + (thread:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "socket_errors": %d, "http_errors": %d, "unexpected": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.connect + e.read + e.write + e.timeout, e.status, unexpected))
end
"""


@dataclass(frozen=True)
class Request:
    """What a scenario sends. ``template`` pieces alternate literal text and marker names
    (``payload``, ``order``) that are replaced by fresh values on every request."""

    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    template: list[str] | None = None  # a body with fresh identifiers per request
    form_bodies: list[str] | None = None  # form bodies used in turn
    expect_status: int = 200
    expect_text: str = ""  # must appear in the body (checked in Lua)
    refuse_location: str = ""  # a redirect there counts as unexpected (a lost login)


@dataclass(frozen=True)
class Figures:
    """One wrk run: throughput and latency."""

    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors, HTTP 4xx/5xx and unexpected answers


def lua_string(text: str) -> str:
    """``text`` as a Lua long string, with a bracket level that cannot occur inside it."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[\n{text}]{'=' * level}]"


def lua_script(request: Request, run_id: str) -> str:
    """The wrk script for one scenario."""
    lines = [COMMON_LUA, f"wrk.method = {lua_string(request.method)}"]
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[ {lua_string(name)} ] = {lua_string(value)}")
    if request.template is not None:
        pieces = ", ".join(lua_string(piece) for piece in request.template)
        lines += [
            f"local pieces = {{{pieces}}}",
            f"local run = {lua_string(run_id)}",
            "function request()",
            "  counter = counter + 1",
            '  local id = run .. "-" .. tid .. "-" .. counter',
            "  local parts = {}",
            "  for i, piece in ipairs(pieces) do",
            "    if i % 2 == 1 then parts[i] = piece",
            '    elseif piece == "payload" then parts[i] = id .. "@buyer.bench.example"',
            '    else parts[i] = "PO-" .. id end',
            "  end",
            f"  return wrk.format(nil, {lua_string(request.path)}, nil, table.concat(parts))",
            "end",
        ]
    elif request.form_bodies is not None:
        bodies = ", ".join(lua_string(body) for body in request.form_bodies)
        lines += [
            f"local bodies = {{{bodies}}}",
            "function request()",
            "  counter = counter + 1",
            f"  return wrk.format(nil, {lua_string(request.path)}, nil, "
            "bodies[(counter % #bodies) + 1])",
            "end",
        ]
    lines.append(_response_check(request))
    return "\n".join(lines) + "\n"


def _response_check(request: Request) -> str:
    checks = [f"status ~= {request.expect_status}"]
    if request.expect_text:
        checks.append(f"not string.find(body, {lua_string(request.expect_text)}, 1, true)")
    if request.refuse_location:
        checks.append(f'string.find(headers["Location"] or "", '
                      f'{lua_string(request.refuse_location)}, 1, true)')
    return ("function response(status, headers, body)\n"
            f"  if {' or '.join(checks)} then bad = bad + 1 end\nend")


def wrk_path() -> str | None:
    return shutil.which("wrk")


def ensure_wrk() -> str:
    """wrk's path; installs the Debian package when it is missing and we may (root + apt)."""
    found = wrk_path()
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing the Debian package 'wrk' with apt-get ...")
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=environment)
        subprocess.run(["apt-get", "install", "-y", "-qq", WRK_PACKAGE], check=True,
                       env=environment)
        found = wrk_path()
        if found:
            return found
    raise SystemExit(
        "The benchmark drives the servers with wrk (https://github.com/wg/wrk), which is not "
        "installed.\nInstall it as root with `apt-get install wrk` (Debian/Ubuntu), "
        "`brew install wrk` (macOS) or from source, then run `make bench` again.")


def run_wrk(wrk: str, base_url: str, request: Request, *, duration: float, threads: int,
            connections: int, script_path: Path, run_id: str) -> Figures:
    """Run wrk for ``duration`` seconds against one scenario and read its summary line."""
    script_path.write_text(lua_script(request, run_id))
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
               "--timeout", "30s", "-s", str(script_path), base_url + request.path]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    summary = next((line for line in result.stdout.splitlines()
                    if line.startswith("BENCH_RESULT ")), None)
    if result.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    data = json.loads(summary.removeprefix("BENCH_RESULT "))
    seconds = data["duration_us"] / 1e6
    return Figures(
        requests=data["requests"], seconds=seconds,
        requests_per_second=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000,
        errors=data["socket_errors"] + data["http_errors"] + data["unexpected"],
    )
