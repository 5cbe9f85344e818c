"""Ingest benchmark: `graphapp stats <corpus> --json` cold, warm, and the naive PyYAML baseline, in one run.

    python bench/ingest.py                 # azure-news
    python bench/ingest.py --scale 10      # also a 10x corpus generated in the temp folder (1.35 GB)

Prints wall times, peak memory of the whole process tree, and ratios against the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _util import corpus, timed

NAIVE = r"""
import glob, sys, yaml
records = []
for path in sorted(glob.glob(sys.argv[1] + "/*.md")):
    text = open(path, encoding="utf-8").read()
    records.append(yaml.load(text.split("\n---\n", 1)[0].removeprefix("---\n"), Loader=yaml.CSafeLoader))
print(len(records))
"""


def stats_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "graphapp", "stats", str(folder), "--json", "--quiet"]


def measure(folder: Path, cold_runs: int = 3, warm_runs: int = 5, code: str | None = None) -> dict:
    """Median of `cold_runs` runs, each with a new empty cache; then warm runs on the last cache.
    `code`: a checkout of another version of graphapp to measure instead of this one."""
    colds = []
    for _ in range(cold_runs):
        env = {"GRAPHAPP_CACHE_DIR": tempfile.mkdtemp(prefix="graphapp-bench-cache-")}
        if code:
            env["PYTHONPATH"] = code
        colds.append(timed(stats_command(folder), env))
    figures = json.loads(colds[-1][2])
    warm = [timed(stats_command(folder), env) for _ in range(warm_runs)]
    return {
        "files": figures["files"], "stories": figures["stories"], "related_edges": figures["related_edges"],
        "cold_s": round(statistics.median(w for w, _, _ in colds), 2), "cold_runs_s": [round(w, 2) for w, _, _ in colds],
        "cold_peak_mb": round(max(p for _, p, _ in colds)),
        "warm_s": round(statistics.median(w for w, _, _ in warm), 3), "warm_peak_mb": round(max(p for _, p, _ in warm)),
    }


def scaled_copy(source: Path, factor: int) -> Path:
    """`factor` copies of every file with rewritten URLs, so each copy is a distinct set of stories."""
    target = Path(tempfile.gettempdir()) / "graphapp-bench" / f"{source.name}-x{factor}"
    if target.exists() and len(list(target.iterdir())) == factor * len(list(source.iterdir())):
        return target
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        text = path.read_text(encoding="utf-8")
        for copy in range(factor):
            rewritten = text.replace("Url: \"https://", f"Url: \"https://copy{copy}.") if copy else text
            (target / f"{copy:02}-{path.name}").write_text(rewritten, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="azure-news")
    parser.add_argument("--scale", type=int, default=0, help="also measure a corpus this many times larger")
    parser.add_argument("--no-baseline", action="store_true", help="skip the slow naive baseline")
    parser.add_argument("--start-method", choices=["fork", "forkserver", "spawn"],
                        help="start parse workers this way (GRAPHAPP_START_METHOD) instead of the platform's choice")
    parser.add_argument("--against", metavar="CHECKOUT", help="also measure the graphapp in this checkout, in the same run")
    args = parser.parse_args()
    if args.start_method:
        os.environ["GRAPHAPP_START_METHOD"] = args.start_method
    folder = corpus(args.corpus)
    print(f"machine: {os.cpu_count()} cores; corpus: {folder} ({sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.0f} MB)")
    result = measure(folder)
    print(json.dumps(result))
    if args.against:
        before = measure(folder, code=args.against)
        print(json.dumps({"against": args.against, **before}))
        print(f"this version / the other: cold {result['cold_s'] / before['cold_s']:.2f}, warm "
              f"{result['warm_s'] / before['warm_s']:.2f}, peak {result['cold_peak_mb'] / before['cold_peak_mb']:.2f}")
    if not args.no_baseline:
        naive_wall, naive_peak, _ = timed([sys.executable, "-c", NAIVE, str(folder)])
        print(json.dumps({"naive_pyyaml_s": round(naive_wall, 2), "naive_peak_mb": round(naive_peak)}))
        print(f"cold is {naive_wall / result['cold_s']:.1f}x faster than the naive baseline, warm {naive_wall / result['warm_s']:.0f}x; "
              f"peak memory {result['cold_peak_mb']} MB vs {round(naive_peak)} MB")
    print(f"requirement (azure-news): cold <= 2.5 s: {result['cold_s']} s; warm <= 0.4 s: {result['warm_s']} s; "
          f"peak <= 300 MB: {result['cold_peak_mb']} MB")
    if args.scale:
        start = time.perf_counter()
        big = scaled_copy(folder, args.scale)
        print(f"generated {big} in {time.perf_counter() - start:.0f} s")
        scaled = measure(big, cold_runs=1, warm_runs=3)
        print(json.dumps({f"x{args.scale}": scaled}))
        print(f"requirement (x10): cold <= 20 s: {scaled['cold_s']} s; warm <= 1.5 s: {scaled['warm_s']} s; "
              f"peak <= 1 GB: {scaled['cold_peak_mb']} MB")


if __name__ == "__main__":
    main()
