"""How close any PunchOutSetupRequest can come to issue 4's target, measured under gunicorn.

    .venv/bin/python bench/setup_floor.py [--duration 12] [--slice 2]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/shop_floor \
        .venv/bin/python bench/setup_floor.py

Issue 4 asks a setup to run at least half as many requests per second as a bare Flask route
under the same gunicorn settings. This serves the shop with the routes of
``bench/setup_floor_app.py`` beside the real ``/punchout/setup`` (production settings,
``gunicorn.conf.py``), and the bare route (``bench/bare_app.py``) with the same settings, and
drives both with wrk in alternating slices, as ``make bench`` does. Each floor route adds one
unavoidable step of a setup to the previous one (an empty POST, the cXML work, the durable
write), so the table shows what each step costs in ratio, before authentication, the rate
limit and the ORM that the real route adds. Every request has a fresh payloadID and every
answer is checked. The database named by BENCH_DATABASE_URL is dropped and created; without
it a temporary SQLite file is used. docs/performance.md quotes the results.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import documents, load, prepare  # noqa: E402
from bench.run import Paired, measure_paired  # noqa: E402
from bench.scenarios import Scenario, preflight  # noqa: E402
from bench.servers import Server, bare_server  # noqa: E402
from bench.setup_floor_app import SCRATCH_TABLES  # noqa: E402

XML = "text/xml; charset=utf-8"
ROUTES = (
    ("/floor/empty", "empty POST: Flask and the shop's hooks", '<Status code="200"'),
    ("/floor/cxml", "+ read the request, answer, redact both", '<Status code="200"'),
    ("/floor/write-nosync", "+ driver write, not waiting for the disk", '<Status code="200"'),
    ("/floor/write", "+ driver write, durable (as the shop commits)", '<Status code="200"'),
    ("/punchout/setup", "the shop's PunchOutSetupRequest", '<Status code="200"'),
)


def scratch_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    key = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    with engine.begin() as connection:
        for statement in SCRATCH_TABLES:
            connection.execute(text(statement.format(key=key)))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=12.0, help="seconds per route (12)")
    parser.add_argument("--slice", type=float, default=2.0, help="seconds per slice (2)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=0, help="default: 2 per worker")
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()
    args.connections = args.connections or 2 * args.workers

    wrk = load.ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="setup-floor-"))
    database_url = prepare.bench_database(work)
    keys = prepare.Secrets.fresh()
    prepare.seed(database_url, keys, products=200)  # the schema and the bench's buyer
    scratch_tables(database_url)
    env = keys.environment(database_url)
    shop = Server("shop", "bench.setup_floor_app:create_floor_app()", env, work / "shop.log",
                  args.workers)
    bare = bare_server(env, work / "bare.log", args.workers)
    template = documents.split_template(documents.setup_request())
    run_id = f"f{time.time_ns()}"
    print(f"{database_url.split(':')[0]}; gunicorn {args.workers} sync workers; "
          f"wrk -t{args.threads} -c{args.connections}; {args.duration:g} s per route in "
          f"{args.slice:g}-second slices alternating with the bare route")
    print("| route | what it does | req/s | bare req/s | ratio |")
    print("|---|---|---:|---:|---:|")
    try:
        shop.wait_ready()
        bare.wait_ready()
        for index, (path, what, expect) in enumerate(ROUTES):
            request = load.Request(path, "POST", {"Content-Type": XML}, template=template,
                                   expect_text=expect)
            problem = preflight(shop.url, request)
            if problem:
                raise RuntimeError(f"{path}: the first request went wrong: {problem}")
            script = work / f"route{index}.lua"
            load.run_wrk(wrk, shop.url, request, duration=args.warmup, threads=args.threads,
                         connections=args.connections, script_path=script,
                         run_id=f"{run_id}w{index}")
            paired: Paired = measure_paired(wrk, shop, bare, Scenario(path, request),
                                            args, script, f"{run_id}s{index}")
            errors = sum(run.errors for run in paired.shop + paired.bare)
            if errors:
                raise RuntimeError(f"{path}: {errors} wrong answers (see {work})")
            shop_rate, bare_rate = paired.rate(paired.shop), paired.rate(paired.bare)
            print(f"| `{path}` | {what} | {shop_rate:,.0f} | {bare_rate:,.0f} | "
                  f"{shop_rate / bare_rate:.2f} |", flush=True)
    finally:
        shop.stop()
        bare.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
