"""The ``guanxi`` command: serve, worker, demo, manage, bench, insights and leads.

Every subcommand runs with ``DJANGO_SETTINGS_MODULE=guanxi.settings`` and inherits the
environment (``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, …) unchanged.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import inspect
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

SETTINGS_MODULE = "guanxi.settings"
DEMO_USERS = ("admin", "director", "manager1", "manager2", "rep1", "rep2")
DEMO_PASSWORD = "guanxi-demo"  # noqa: S105 -- the documented password of the demo accounts
BENCH_SIZES = ("smoke", "full")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_TIMEOUT = 20.0

Child = subprocess.Popen[bytes]


# --- shared helpers ------------------------------------------------------------------


def _django(*args: str) -> list[str]:
    """The command line that runs a Django management command in a fresh interpreter."""
    return [sys.executable, "-m", "django", *args]


def _development_defaults() -> None:
    """Without GUANXI_DEBUG and SECRET_KEY this is a development start: turn debug on."""
    if "GUANXI_DEBUG" in os.environ or "SECRET_KEY" in os.environ:
        return
    os.environ["GUANXI_DEBUG"] = "1"
    print(
        "guanxi: neither SECRET_KEY nor GUANXI_DEBUG is set: starting in development mode (GUANXI_DEBUG=1).\n"
        "        Set SECRET_KEY (and ALLOWED_HOSTS) for production; see docs/operations.md.",
        file=sys.stderr,
    )


def _manage(args: Sequence[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["guanxi manage", *args])
    return 0


# --- serve ----------------------------------------------------------------------------


def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any("--no-control-socket" in (setting.cli or []) for setting in KNOWN_SETTINGS)


def _gunicorn_command(args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "guanxi.wsgi:application"]
    command += ["--bind", f"{_bind_host(args.host)}:{args.port}"]
    command += ["--workers", str(args.workers), "--threads", str(args.threads)]
    command += ["--timeout", "60", "--graceful-timeout", "15"]
    if _gunicorn_has_control_socket():
        command.append("--no-control-socket")  # else gunicorn writes a socket into $HOME
    return command


def _bind_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _probe_host(host: str) -> str:
    """Where to knock to see whether the server answers (a wildcard bind answers on loopback)."""
    if host in {"0.0.0.0", ""}:  # noqa: S104 -- comparing, not binding
        return "127.0.0.1"
    if host in {"::", "[::]"}:
        return "::1"
    return host.strip("[]")


def _answers(host: str, port: int) -> bool:
    connection = http.client.HTTPConnection(_probe_host(host), port, timeout=2)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def _announce(args: argparse.Namespace) -> None:
    url_host = _bind_host(_probe_host(args.host))
    lines = [f"guanxi: serving on http://{url_host}:{args.port}/"]
    if not args.no_demo:
        lines.append(f"guanxi: demo logins {', '.join(DEMO_USERS)}; password {DEMO_PASSWORD}")
    lines.append("guanxi: press Ctrl-C to stop")
    print("\n".join(lines), flush=True)


def _prepare(args: argparse.Namespace) -> int:
    steps = [_django("migrate", "--noinput")]
    if not args.no_demo:
        steps.append(_django("guanxi_demo"))
    for step in steps:
        code = subprocess.run(step, check=False).returncode
        if code != 0:
            print(f"guanxi: {' '.join(step[2:])} failed with exit code {code}", file=sys.stderr)
            return code
    return 0


def _start_children(args: argparse.Namespace) -> dict[str, Child]:
    # Own sessions: a terminal's Ctrl-C reaches only us, and we stop each child the way it likes.
    return {
        "web server": subprocess.Popen(_gunicorn_command(args), start_new_session=True),
        "worker": subprocess.Popen(_django("run_huey"), start_new_session=True),
    }


def _stop_children(children: dict[str, Child]) -> None:
    # gunicorn: SIGTERM is its graceful stop; huey: SIGINT lets running tasks finish.
    stop_signal = {"web server": signal.SIGTERM, "worker": signal.SIGINT}
    for name, child in children.items():
        if child.poll() is None:
            child.send_signal(stop_signal[name])
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _install_stop_handlers(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)


def _supervise(args: argparse.Namespace, children: dict[str, Child], stop: threading.Event) -> int:
    """Wait for a stop signal (exit 0) or a child's death (exit 1); announce once the server answers."""
    announced = False
    while not stop.wait(0.5):
        for name, child in children.items():
            if child.poll() is not None:
                print(f"guanxi: the {name} exited with code {child.returncode}; stopping.", file=sys.stderr)
                return 1
        if not announced and _answers(args.host, args.port):
            _announce(args)
            announced = True
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _development_defaults()
    code = _prepare(args)
    if code != 0:
        return code
    stop = threading.Event()
    _install_stop_handlers(stop)
    children = _start_children(args)
    try:
        return _supervise(args, children, stop)
    finally:
        _stop_children(children)


# --- worker, demo, manage ----------------------------------------------------------------


def cmd_worker(args: argparse.Namespace) -> int:
    _development_defaults()
    return _manage(["run_huey"])


def cmd_demo(args: argparse.Namespace) -> int:
    _development_defaults()
    extra = [] if args.customers is None else ["--customers", str(args.customers)]
    extra += [] if args.seed is None else ["--seed", str(args.seed)]
    return _manage(["guanxi_demo", *extra, *(["--force"] if args.force else [])])


# --- bench ----------------------------------------------------------------------------


def _bench_dir() -> Path:
    """bench/ of the checkout we run from: the working directory's, else the source tree's."""
    here = Path.cwd() / "bench"
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "bench"


def _discover(bench_dir: Path) -> dict[str, Path]:
    return {path.stem.removeprefix("bench_"): path for path in sorted(bench_dir.glob("bench_*.py"))}


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"guanxi_bench_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_bench(name: str, path: Path, size: str, customers: int | None = None) -> dict[str, Any]:
    run: Callable[..., dict[str, Any]] = _load(name, path).run
    options: dict[str, Any] = {}
    if customers is not None and "customers" in inspect.signature(run).parameters:
        options["customers"] = customers
    started = datetime.now(UTC)
    clock = time.perf_counter()
    results = run(size, **options)
    return {
        "name": name,
        "size": size,
        **options,
        "started_at": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - clock, 3),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "results": results,
    }


def _write_result(bench_dir: Path, report: dict[str, Any]) -> Path:
    target = bench_dir / "results" / f"{report['name']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return target


def _select(found: dict[str, Path], name: str) -> dict[str, Path] | None:
    if name == "all":
        return found
    key = name.removeprefix("bench_").removesuffix(".py")
    return {key: found[key]} if key in found else None


def cmd_bench(args: argparse.Namespace) -> int:
    bench_dir = _bench_dir()
    found = _discover(bench_dir)
    if not found:
        print(f"guanxi bench: there are no benchmarks (no bench_*.py in {bench_dir}).")
        return 0
    chosen = _select(found, args.name)
    if chosen is None:
        print(f"guanxi bench: no benchmark {args.name!r}; there are: {', '.join(found)}", file=sys.stderr)
        return 2
    _development_defaults()
    sys.path.insert(0, str(bench_dir.parent))  # so benches can import helpers from bench/
    failed = [name for name, path in chosen.items() if not _bench_one(bench_dir, name, path, args.size, args.customers)]
    if failed:
        print(f"guanxi bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _bench_one(bench_dir: Path, name: str, path: Path, size: str, customers: int | None) -> bool:
    print(f"guanxi bench: {name} ({size}) …", flush=True)
    try:
        report = _run_bench(name, path, size, customers)
    except Exception as error:  # one broken bench must not hide the others' results
        print(f"guanxi bench: {name} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return False
    target = _write_result(bench_dir, report)
    print(f"guanxi bench: {name} took {report['seconds']} s -> {target}")
    return True


# --- insights --------------------------------------------------------------------------


def cmd_insights_clv(args: argparse.Namespace) -> int:
    """Fit BG/NBD and Gamma-Gamma on a summary file: parameters as JSON, predictions to --out."""
    from guanxi.insights.clv_files import SummaryError, clv_fit, predictions_write, summary_read

    if args.horizon_weeks <= 0 or args.monthly_discount_rate < 0:
        print("guanxi insights clv: --horizon-weeks must be > 0 and --monthly-discount-rate >= 0", file=sys.stderr)
        return 2
    try:
        summary = summary_read(Path(args.summary))
        result = clv_fit(summary, horizon_weeks=args.horizon_weeks, monthly_discount_rate=args.monthly_discount_rate)
    except SummaryError as error:
        print(f"guanxi insights clv: {error}", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError) as error:  # the kernels' FitError and data checks
        print(f"guanxi insights clv: cannot fit these data: {error}", file=sys.stderr)
        return 1
    if args.out:
        predictions_write(result, Path(args.out))
    print(json.dumps(result.parameters, indent=2))
    return 0


def cmd_insights_calibration(args: argparse.Namespace) -> int:
    """Calibration / holdout test of BG/NBD on a transactions file: the report as JSON, the table to --out."""
    from guanxi.insights.calibration import TransactionsError, calibration_report, report_write, transactions_read

    try:
        calibration_end = date.fromisoformat(args.calibration_end)
        holdout_end = date.fromisoformat(args.holdout_end)
    except ValueError:
        print("guanxi insights calibration: dates must be YYYY-MM-DD", file=sys.stderr)
        return 2
    if holdout_end <= calibration_end:
        print("guanxi insights calibration: --holdout-end must be after --calibration-end", file=sys.stderr)
        return 2
    try:
        transactions = transactions_read(Path(args.transactions))
        report = calibration_report(
            transactions.customer, transactions.day, calibration_end=calibration_end, holdout_end=holdout_end
        )
    except TransactionsError as error:
        print(f"guanxi insights calibration: {error}", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError) as error:  # the kernels' FitError and data checks
        print(f"guanxi insights calibration: cannot fit these data: {error}", file=sys.stderr)
        return 1
    if args.out:
        report_write(report, Path(args.out))
    print(json.dumps(report.as_dict(), indent=2))
    return 0


# --- leads -----------------------------------------------------------------------------


def cmd_leads_dedup(args: argparse.Namespace) -> int:
    """Duplicate check of a file before import: the pairs judged the same person or company to --out."""
    from guanxi.leads.dedup.files import DedupFileError, pairs_write, records_read
    from guanxi.leads.dedup.pairs import duplicate_report

    if not 0 < args.threshold <= 1:
        print("guanxi leads dedup: --threshold must be in (0, 1]", file=sys.stderr)
        return 2
    try:
        records = records_read(Path(args.file))
    except DedupFileError as error:
        print(f"guanxi leads dedup: {error}", file=sys.stderr)
        return 2
    report = duplicate_report(records, threshold=args.threshold)
    try:
        written = pairs_write(report.pairs, Path(args.out))
    except OSError as error:
        print(f"guanxi leads dedup: cannot write {args.out}: {error.strerror}", file=sys.stderr)
        return 2
    skipped = f", {len(report.dropped_keys)} oversized blocks skipped" if report.dropped_keys else ""
    print(
        f"guanxi leads dedup: {report.records} records, {report.compared} pairs compared, "
        f"{written} judged the same{skipped} -> {args.out}",
        file=sys.stderr,
    )
    return 0


# --- command line -----------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guanxi", description="Guanxi CRM")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, load the demo data, run the web server and the worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2, help="web server processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="threads per web server process (default 4)")
    serve.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("worker", help="run the background task consumer").set_defaults(handler=cmd_worker)
    demo = commands.add_parser("demo", help="load the demo data (idempotent)")
    demo.add_argument("--customers", type=int, help="also generate this many customers in bulk (for benchmarks)")
    demo.add_argument("--seed", type=int, help="seed of the generated customers (default: a fixed one)")
    demo.add_argument("--force", action="store_true", help="generate even if the database holds real customers")
    demo.set_defaults(handler=cmd_demo)
    commands.add_parser("manage", help="any Django management command: guanxi manage migrate, …")

    bench = commands.add_parser("bench", help="run benchmarks from bench/bench_*.py")
    bench.add_argument("name", help="a benchmark's name, or 'all'")
    bench.add_argument("--size", choices=BENCH_SIZES, default="smoke")
    bench.add_argument(
        "--customers", type=int, default=None, help="database size for benches that take one (e.g. search)"
    )
    bench.set_defaults(handler=cmd_bench)

    insights = commands.add_parser("insights", help="analytics on files, without the database")
    analyses = insights.add_subparsers(dest="analysis", required=True, metavar="ANALYSIS")
    clv = analyses.add_parser(
        "clv",
        help="lifetime value (BG/NBD + Gamma-Gamma) from a per-customer summary",
        description="Reads customer_id, frequency, recency, T, monetary_value (times in weeks); prints the "
        "fitted parameters as JSON; with --out writes customer_id, expected_purchases, p_alive, "
        "expected_avg_spend, clv per customer.",
    )
    clv.add_argument("--summary", required=True, metavar="FILE.csv", help="the per-customer summary (UTF-8 CSV)")
    clv.add_argument("--horizon-weeks", type=float, default=52.0, help="prediction horizon (default 52)")
    clv.add_argument(
        "--monthly-discount-rate", type=float, default=0.01, help="CLV discount rate per month (default 0.01)"
    )
    clv.add_argument("--out", metavar="PREDICTIONS.csv", help="write the per-customer predictions here")
    clv.set_defaults(handler=cmd_insights_clv)
    calibration = analyses.add_parser(
        "calibration",
        help="does the lifetime value model predict? a calibration / holdout test on a transactions file",
        description="Reads customer_id, date (YYYY-MM-DD) per purchase; fits BG/NBD on the purchase days up to "
        "--calibration-end, predicts each customer's purchases up to --holdout-end and compares them with the "
        "actual ones by calibration frequency (0 … 6, 7+). Prints the report as JSON; with --out writes the "
        "table as CSV.",
    )
    calibration.add_argument("--transactions", required=True, metavar="FILE.csv", help="purchases (UTF-8 CSV)")
    calibration.add_argument("--calibration-end", required=True, metavar="YYYY-MM-DD")
    calibration.add_argument("--holdout-end", required=True, metavar="YYYY-MM-DD")
    calibration.add_argument("--out", metavar="REPORT.csv", help="write the per-frequency table here")
    calibration.set_defaults(handler=cmd_insights_calibration)

    leads = commands.add_parser("leads", help="lead tools on files, without the database")
    lead_tools = leads.add_subparsers(dest="tool", required=True, metavar="TOOL")
    dedup = lead_tools.add_parser(
        "dedup",
        help="duplicate check of a CSV file before import",
        description="Reads id, name, company, phone, email, city (UTF-8 CSV with a header; any order, any may "
        "be empty, other columns ignored; ids unique) and writes id_a, id_b, score, reason for every pair "
        "judged to be the same person or company.",
    )
    dedup.add_argument("file", metavar="FILE.csv", help="the records to check")
    dedup.add_argument("--out", required=True, metavar="PAIRS.csv", help="write the pairs here")
    dedup.add_argument(
        "--threshold", type=float, default=0.85, help="lowest score of a pair judged the same (default 0.85)"
    )
    dedup.set_defaults(handler=cmd_leads_dedup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if arguments[:1] == ["manage"]:  # everything after `manage` belongs to Django
        return _manage(arguments[1:])
    args = _parser().parse_args(arguments)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
