"""`python -m bench [--sizes 1k,10k,100k]`: measure and write bench/results/<date>.md."""

from __future__ import annotations

import argparse
import platform
from datetime import date
from pathlib import Path

from bench.run import Row, bench_import, bench_size, import_memory

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}


def table(rows: list[Row]) -> str:
    """A Markdown table of measured rows."""
    out = ["| step | wall s | CPU s | peak RSS MiB | ratio to floor (wall / CPU) | target (wall / CPU) | verdict | note |",
           "|---|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
        if r.cpu_ratio is not None:
            ratio += f" / {r.cpu_ratio:.2f}x"
        ratio += f" {r.floor}" if ratio else ""
        target = " / ".join(t for t in (r.target, r.cpu_target) if t)
        cpu = f"{r.cpu:.2f}" if r.cpu is not None else ""
        out.append(f"| {r.step} | {r.seconds:.2f} | {cpu} | {r.rss_mb:.0f} | {ratio} | {target} | {r.verdict()} | {r.note} |")
    return "\n".join(out)


def main() -> None:
    """Run the benchmarks and print + save the tables."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="1k,10k", help="comma-separated: 1k,10k,100k")
    parser.add_argument("--steps", default="validate,build,history,check,import",
                        help="which steps to run (validate always runs)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run Hugo and our full build this many times in turn; the medians are shown")
    parser.add_argument("--import-rows", default="10000,60000,100000",
                        help="comma-separated row counts of the import step (the peaks are compared: memory must "
                             "not grow with the file)")
    args = parser.parse_args()
    steps = set(args.steps.split(","))
    # The commands start from bytecode, as an installed svcnotes does (pip compiles it at install),
    # even where PYTHONDONTWRITEBYTECODE keeps a checkout from writing it: otherwise every measured
    # command would compile the modules it imports, again and again.
    import compileall

    import svcnotes

    compileall.compile_dir(Path(svcnotes.__file__).parent, quiet=1)
    report = [f"# svcnotes benchmarks, {date.today()}", "",
              f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}.", ""]
    for label in [s for s in args.sizes.split(",") if s.strip()]:
        rows, info = bench_size(label.strip(), SIZES[label.strip()], steps, args.repeat)
        section = f"## {label} complaints\n\n{info}\n\n{table(rows)}\n"
        print(section, flush=True)
        report.append(section)
    counts = [int(n) for n in args.import_rows.split(",") if n.strip()] if "import" in steps else []
    imports = [(n, bench_import(n)) for n in counts]
    measured = [row for _n, row in imports if row is not None]
    growth = import_memory([(n, row) for n, row in imports if row is not None])
    measured += [growth] if growth is not None else []
    if measured:
        section = "## import\n\n" + table(measured) + "\n"
        print(section)
        report.append(section)
    out = Path(__file__).parent / "results" / f"{date.today()}.md"
    n = 2
    while out.exists():  # an earlier run of the same day stays, so progress is visible
        out = out.with_name(f"{date.today()}-{n}.md")
        n += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(report), encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
