"""``make bench``: fill a separate PostgreSQL database, serve it with gunicorn, measure.

For each page: median and p95 *server* time over N requests (from the ``Server-Timing``
header that ``BENCH_HEADERS=1`` turns on), SQL query count, and the ratio to the frame (the
signed-in page with no data: session, user, base template) measured right before it. Jobs
print items per second beside their targets. Prints a table and writes
``var/bench/latest.json``.

    make bench                          # reuse the filled database when it is already there
    make bench BENCH_ARGS="--refill"    # drop and fill it again
    make bench BENCH_ARGS="--scale 10"  # ten times the data, in a database of its own
    make bench BENCH_ARGS="--curve"     # the pages at 0.1, 1 and 10 times, and their growth
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/empathy_bench"
PORT = int(os.environ.get("BENCH_PORT", "8765"))  # another, where several people share a machine


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "FIELD_ENCRYPTION_KEY": "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "BENCH_HEADERS": "1",
        "API_RATE_LIMIT": "1000000/min",  # measure the API, not its rate limit
        "STATIC_ROOT": str(OUT / "static"),
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"),
        "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/14"),
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_database(database_url: str, refill: bool, fill_args: list[str]) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        marker = OUT / f"{name}.filled"
        same = marker.exists() and json.loads(marker.read_text()).get("args") == fill_args
        if exists and same and not refill:
            print(f"Reusing filled database {name} (--refill to rebuild it).")
            manage(server_env(database_url), "migrate", "--noinput", "-v", "0")
            return
        print(f"Creating database {name}…")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = server_env(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    started = time.perf_counter()
    manage(env, "bench_fill", *fill_args)
    with psycopg.connect(database_url, autocommit=True) as conn:
        # VACUUM too: a table just filled has no visibility map yet, so every index-only
        # scan (a team's count, its ids by name) would read the rows after all, which a
        # live database's autovacuum long since settled.
        conn.execute("VACUUM ANALYZE")
    print(f"Filled in {time.perf_counter() - started:.0f}s.")
    marker.write_text(json.dumps({"filled_at": time.time(), "args": fill_args}))


def start_server(env: dict[str, str], workers: int) -> subprocess.Popen:
    manage(env, "collectstatic", "--noinput", "-v", "0")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "empathy_crm.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start; see its output above.")


def session_cookie(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def measure(url: str, cookie: str | None, requests: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    times: list[float] = []
    queries = 0
    for i in range(requests + 3):
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}; the benchmark expects 200.")
        if i < 3:
            continue  # warm-up
        timing = response.getheader("Server-Timing", "app;dur=0")
        times.append(float(timing.split("dur=")[1]))
        queries = int(response.getheader("X-Query-Count", "0"))
    conn.close()
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
        "queries": queries,
    }


#: Per page: median at most this many times the frame, p95 at most this (DEVELOPERS.md).
FRAME_TIMES = 10
P95_MS = 50.0
CURVE = (0.1, 1.0, 10.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--refill", action="store_true", help="drop and fill the database again")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--fill", default="", help="options for manage.py bench_fill, e.g. '--prospects 10000'"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0,
        help="fill this many times the base data (0.1, 1, 10), in a database of its own",
    )  # fmt: skip
    parser.add_argument(
        "--curve", action="store_true",
        help=f"measure the pages at each size of {CURVE} and print how each grows",
    )  # fmt: skip
    parser.add_argument(
        "--only",
        default="",
        help="measure only the pages and jobs whose name has this text (or one of a|b|c)",
    )
    parser.add_argument("--no-jobs", action="store_true", help="measure pages, skip the jobs")
    parser.add_argument("--no-pages", action="store_true", help="run the jobs, skip the pages")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    if args.curve:
        curve = {}
        for scale in CURVE:
            print(f"\n== {scale:g} × the base data")
            curve[scale] = run(args, scale, jobs=False)
        print_curve(curve)
        (OUT / "curve.json").write_text(json.dumps({str(k): v for k, v in curve.items()}, indent=2))
        print(f"\nWrote {OUT / 'curve.json'}")
        return
    results = run(args, args.scale, jobs=not args.no_jobs)
    (OUT / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"\nWrote {OUT / 'latest.json'}")


def scaled_url(database_url: str, scale: float) -> str:
    """The base data in the database named; other sizes in databases of their own."""
    if scale == 1:
        return database_url
    parts = urlsplit(database_url)
    suffix = f"_x{scale:g}".replace(".", "_")
    return parts._replace(path=parts.path + suffix).geturl()


def run(args, scale: float, *, jobs: bool) -> list[dict]:
    database_url = scaled_url(args.database_url, scale)
    fill = shlex.split(args.fill) + ([f"--scale={scale:g}"] if scale != 1 else [])
    prepare_database(database_url, args.refill, fill)
    env = server_env(database_url)
    keys = ("DATABASE_URL", "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "STATIC_ROOT",
            "CELERY_BROKER_URL", "CACHE_URL")  # fmt: skip
    os.environ.update({k: env[k] for k in keys})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empathy_crm.settings")
    import django
    from django.db import connections

    django.setup()
    connections.close_all()  # another size is another database
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = urlsplit(database_url).path.lstrip("/")
    from benchmarks.targets import FLOOR, FRAME, JOBS, PAGES, context

    ctx = context()
    roles = ("no_role", "rep", "busy_rep", "manager", "admin", "map_owner", "map_manager")
    cookies = {role: session_cookie(ctx[role]) for role in roles}
    server = start_server(env, args.workers)
    results: list[dict] = []
    try:
        floor = measure(FLOOR.url(ctx), None, args.requests)
        results.append({"name": FLOOR.name, "url": FLOOR.url(ctx), **floor, "frame_ms": None,
                        "ratio_to_frame": None, "kind": "floor"})  # fmt: skip
        frame = measure(FRAME.url(ctx), cookies[FRAME.role], args.requests)
        results.append({"name": FRAME.name, "url": FRAME.url(ctx), **frame, "frame_ms": None,
                        "ratio_to_frame": 1.0, "kind": "frame"})  # fmt: skip
        pages = [] if args.no_pages else [page for page in PAGES if chosen(page.name, args.only)]
        for page in pages:
            # The frame again right before each page: a shared machine's speed drifts during
            # a run, and a ratio means most against a frame taken under the same conditions.
            near = measure(FRAME.url(ctx), cookies[FRAME.role], args.requests)["median_ms"]
            url = page.url(ctx)
            stats = measure(url, cookies.get(page.role), args.requests)
            ratio = stats["median_ms"] / near if near else 0
            results.append(
                {"name": page.name, "url": url, **stats, "frame_ms": near,
                 "ratio_to_frame": round(ratio, 2), "kind": "page",
                 "meets": ratio <= FRAME_TIMES and stats["p95_ms"] <= P95_MS}
            )  # fmt: skip
        ctx["base_url"] = f"http://127.0.0.1:{PORT}"
        ctx["floor"] = floor
        for job in [j for j in JOBS if chosen(j.name, args.only)] if jobs else []:
            if job.setup:
                job.setup(ctx)
            try:
                started = time.perf_counter()
                items = job.run(ctx)
                total = time.perf_counter() - started
            finally:
                if job.teardown:
                    job.teardown(ctx)
            results.append(
                {
                    "name": job.name,
                    "items": items,
                    "total_s": round(total, 2),
                    "per_s": round(items / total, 1) if total else 0,
                    "per_min": round(items / total * 60) if total else 0,
                    "target": job.target,
                }
            )
            base = next(
                (r for r in results if job.share_of and r.get("name") == job.share_of), None
            )
            if base and base["per_s"] and total:
                share = items / total / base["per_s"]
                results[-1]["share_of_floor"] = round(share, 3)
                target = f" (target {job.target})" if job.target else ""
                results[-1]["target"] = f"{share:.0%} of the floor's rate{target}"
            elif job.share_of:
                results[-1]["target"] += " (beside the floor job: --only 'floor|inbound')"
    finally:
        server.terminate()
        server.wait(timeout=15)
    purge_bench_queue()
    print_table(results)
    return results


def print_curve(curve: dict[float, list[dict]]) -> None:
    """Per page, median and p95 at each size, and how much the median grew from the
    smallest size to the largest: a page whose time grows with the data is a defect."""
    sizes = list(curve)
    names = [row["name"] for row in curve[sizes[0]] if "url" in row]
    head = "".join(f"{f'{s:g}× med':>10}{'p95':>8}" for s in sizes)
    print(f"\n{'page':<40}{head}{'growth':>9}")
    for name in names:
        rows = [next((r for r in curve[s] if r.get("name") == name), None) for s in sizes]
        cells = "".join(
            f"{r['median_ms']:>10.2f}{r['p95_ms']:>8.1f}" if r else f"{'—':>10}{'—':>8}"
            for r in rows
        )
        growth = (
            f"{rows[-1]['median_ms'] / rows[0]['median_ms']:>8.1f}×"
            if rows[0] and rows[-1] and rows[0]["median_ms"]
            else f"{'—':>9}"
        )
        print(f"{name:<40}{cells}{growth}")


def chosen(name: str, only: str) -> bool:
    """Whether ``--only`` picks this page or job: its name has one of the ``|``-separated
    texts (any case); an empty ``--only`` picks everything."""
    return any(text.strip().lower() in name.lower() for text in only.split("|"))


def purge_bench_queue() -> None:
    """The served app enqueues follow-up expansion; no worker runs here, so drop those."""
    from empathy_crm.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")
    except Exception as exc:  # the bench result does not depend on it
        print(f"(could not purge the bench broker queue: {exc})")


def print_table(results: list[dict]) -> None:
    print(
        f"\n{'page':<36} {'median ms':>10} {'p95 ms':>9} {'queries':>8} {'frame ms':>9} "
        f"{'× frame':>8} {'target':>7}  url"
    )
    for row in results:
        if "url" in row:
            frame = f"{row['frame_ms']:.2f}" if row.get("frame_ms") else "—"
            ratio = f"{row['ratio_to_frame']:.2f}" if row.get("ratio_to_frame") else "—"
            meets = {True: "ok", False: "MISS"}.get(row.get("meets"), "")
            print(
                f"{row['name']:<36} {row['median_ms']:>10.2f} {row['p95_ms']:>9.2f} "
                f"{row['queries']:>8} {frame:>9} {ratio:>8} {meets:>7}  {row['url']}"
            )
    print(f"(target: median ≤ {FRAME_TIMES}× the frame measured just before, p95 ≤ {P95_MS:g} ms)")
    jobs = [row for row in results if "items" in row]
    if jobs:
        width = max(40, *(len(row["name"]) for row in jobs))
        print(
            f"\n{'job':<{width}} {'items':>10} {'total s':>9} {'per s':>10} {'per min':>11}  target"
        )
        for row in jobs:
            print(
                f"{row['name']:<{width}} {row['items']:>10} {row['total_s']:>9.2f} "
                f"{row['per_s']:>10.1f} {row['per_min']:>11,}  {row['target']}"
            )


if __name__ == "__main__":
    main()
