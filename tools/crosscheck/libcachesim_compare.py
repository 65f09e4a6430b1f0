#!/usr/bin/env python3
"""Compare pagelab's replacement policies with libCacheSim's on seeded cases.

The script writes seeded reference strings as libCacheSim oracleGeneral
traces (unit-size objects, so a cache of N objects is N frames), replays
each through `pagelab replay --json` and through libCacheSim's Python
bindings, and compares miss counts policy by policy. It exits with status 1
when a pair marked "exact" disagrees on a case where it must match, or
when a pagelab count breaks a bound that every demand-paging policy meets.

Needs the `libcachesim` package (PyPI) and a built pagelab binary. See
README.md beside this file.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import json
import random
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

try:
    import libcachesim as lcs
    from libcachesim import libcachesim_python as lcs_core
except ImportError as error:  # pragma: no cover - depends on the machine
    sys.exit(
        f"error: cannot import libcachesim ({error}); install it in a "
        "virtual environment with `pip install libcachesim` and run this "
        "script with that environment's python3"
    )

# One oracleGeneral record: u32 time, u64 object id, u32 size, i64 next
# access (1-based request number, -1 for none), little-endian, packed.
ORACLE_RECORD = struct.Struct("<IQIq")

# libCacheSim allocates a hash table of 2^hashpower buckets per cache. The
# default of 24 is 2^24 pointers (128 MiB) per cache, while the cases here
# have at most a few tens of thousands of objects. The table size changes
# no policy decision.
HASHPOWER = 16

# A mismatch on a string longer than this is not shrunk, so a shrink never
# spends minutes on subprocess calls.
SHRINK_MAX_REFS = 5000


@dataclasses.dataclass(frozen=True)
class Case:
    """One reference string and the frame counts it is replayed with."""

    name: str
    refs: tuple[int, ...]
    frame_counts: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class PolicyPair:
    """A pagelab policy spec matched with a libCacheSim algorithm.

    `expect` is "exact" (every case must match), "deviation" (differences
    are documented and only counted) or "range" (randomized policies: both
    counts must lie between OPT and the reference count). `exact_from`
    limits "exact" to frame counts at or above it. `min_frames` is the
    smallest frame count both tools accept: pagelab rejects `lirs` with one
    frame, and libCacheSim's S3FIFO aborts the process below 10. Mismatches
    are shrunk only at `shrink_from` frames or more, above the frame
    counts where libCacheSim admits no page at all.
    """

    pagelab_spec: str
    lcs_name: str
    make_cache: Callable[[int], object]
    expect: str
    note: str
    exact_from: int = 1
    min_frames: int = 1
    shrink_from: int = 1


@dataclasses.dataclass
class PairResult:
    """Tally of one policy pair over all cases."""

    runs: int = 0
    matches: int = 0
    must_match_failures: int = 0
    out_of_range: int = 0
    pagelab_bound_failures: int = 0
    lcs_bound_failures: int = 0
    first_lcs_bound_failure: tuple[str, int, int] | None = None
    pagelab_total: int = 0
    lcs_total: int = 0
    first_mismatch: tuple[str, int, int, int] | None = None
    smallest_mismatch: tuple[tuple[int, ...], int, int, int] | None = None


def common_params(frames: int) -> object:
    """Build libCacheSim's common cache parameters for `frames` unit objects."""
    return lcs.CommonCacheParams(
        cache_size=frames,
        default_ttl=86400 * 300,
        hashpower=HASHPOWER,
        consider_obj_metadata=False,
    )


def core_cache(init: Callable, specific: str = "") -> Callable[[int], object]:
    """Return a factory for a libCacheSim cache built by a core init function.

    The bindings wrap only some algorithms in classes (CAR, for one, has
    only its init function), so every cache is built the same way here.
    """

    def make(frames: int) -> object:
        return lcs.CacheBase(_cache=init(common_params(frames), specific))

    return make


def policy_pairs() -> list[PolicyPair]:
    """List every pagelab policy that has a libCacheSim counterpart."""
    c = lcs_core
    return [
        PolicyPair("fifo", "FIFO", core_cache(c.FIFO_init), "exact",
                   "same definition"),
        PolicyPair("lru", "LRU", core_cache(c.LRU_init), "exact",
                   "same definition"),
        PolicyPair("clock:new_ref=0", "Clock init-freq=0",
                   core_cache(c.Clock_init, "init-freq=0, n-bit-counter=1"),
                   "exact", "libCacheSim inserts objects unreferenced"),
        PolicyPair("clock:new_ref=1", "Clock init-freq=1",
                   core_cache(c.Clock_init, "init-freq=1, n-bit-counter=1"),
                   "exact", "init-freq=1 inserts objects referenced"),
        PolicyPair("second-chance:new_ref=0",
                   "Clock init-freq=0",
                   core_cache(c.Clock_init, "init-freq=0, n-bit-counter=1"),
                   "exact", "second chance is clock written with a list"),
        PolicyPair("sieve", "Sieve", core_cache(c.Sieve_init),
                   "exact", "same definition"),
        PolicyPair("arc", "ARC", core_cache(c.ARC_init), "exact",
                   "same definition, real-valued p"),
        PolicyPair("car:ratio=integer", "CAR",
                   core_cache(c.CAR_init), "deviation",
                   "libCacheSim's CAR departs from the paper"),
        PolicyPair("car", "CAR", core_cache(c.CAR_init), "deviation",
                   "also divides |B2|/|B1| as real numbers"),
        PolicyPair("s3fifo:variant=libcachesim",
                   "S3FIFO", core_cache(c.S3FIFO_init), "exact",
                   "libCacheSim admits nothing below 20 frames", exact_from=20,
                   min_frames=10, shrink_from=20),
        PolicyPair("s3fifo", "S3FIFO", core_cache(c.S3FIFO_init),
                   "deviation", "paper's Algorithm 1 against libCacheSim's rules",
                   min_frames=10, shrink_from=20),
        PolicyPair("lfu", "LFU", core_cache(c.LFU_init), "exact",
                   "in-cache counts, least recently used among equal counts"),
        PolicyPair("opt", "Belady", core_cache(c.Belady_init), "exact",
                   "next use from the oracleGeneral field"),
        PolicyPair("2q", "TwoQ", core_cache(c.TwoQ_init), "exact",
                   "libCacheSim admits nothing below 4 frames, where Kin = 0",
                   exact_from=4, shrink_from=4),
        PolicyPair("lirs", "LIRS", core_cache(c.LIRS_init),
                   "deviation", "libCacheSim demotes a LIR page on a Q hit",
                   min_frames=2, shrink_from=2),
        PolicyPair("clock-pro", "ClockPro",
                   core_cache(c.ClockPro_init), "deviation",
                   "C default init-ratio-cold=1: refuses new pages"),
        PolicyPair("clock-pro:cold=0.5", "ClockPro cold=0.5",
                   core_cache(c.ClockPro_init, "init-ratio-cold=0.5"),
                   "deviation", "the Python class's default cold ratio"),
        PolicyPair("random", "Random", core_cache(c.Random_init),
                   "range", "different generators: only OPT <= faults <= refs"),
    ]


def next_access_times(refs: tuple[int, ...]) -> list[int]:
    """Compute each reference's next use as oracleGeneral stores it."""
    following: dict[int, int] = {}
    result = [-1] * len(refs)
    for index in range(len(refs) - 1, -1, -1):
        page = refs[index]
        result[index] = following.get(page, -1)
        following[page] = index + 1
    return result


def write_oracle_general(path: Path, refs: tuple[int, ...]) -> None:
    """Write `refs` as an oracleGeneral trace of unit-size objects."""
    next_uses = next_access_times(refs)
    with path.open("wb") as out:
        for index, page in enumerate(refs):
            out.write(ORACLE_RECORD.pack(index + 1, page, 1, next_uses[index]))


def zipf_refs(rng: random.Random, pages: int, length: int,
              alpha: float) -> list[int]:
    """Draw `length` pages from a Zipf(alpha) law over `pages` pages.

    Page ranks are shuffled so that popularity does not follow page number.
    """
    cumulative = []
    total = 0.0
    for rank in range(1, pages + 1):
        total += 1.0 / rank**alpha
        cumulative.append(total)
    labels = list(range(1, pages + 1))
    rng.shuffle(labels)
    draws = rng.choices(range(pages), cum_weights=cumulative, k=length)
    return [labels[draw] for draw in draws]


def loop_refs(pages: int, length: int) -> list[int]:
    """Cycle over pages 1..pages until `length` references are made."""
    return [index % pages + 1 for index in range(length)]


def scan_refs(rng: random.Random, hot_pages: int, scan_pages: int,
              length: int) -> list[int]:
    """Mix a Zipf hot set with sequential scans over fresh pages.

    Every 400 hot references one scan of `scan_pages` pages runs, each scan
    over pages never seen before, which is the pattern scan-resistant
    policies are built for.
    """
    refs: list[int] = []
    next_scan_page = hot_pages + 1
    while len(refs) < length:
        refs.extend(zipf_refs(rng, hot_pages, 400, 1.0))
        refs.extend(range(next_scan_page, next_scan_page + scan_pages))
        next_scan_page += scan_pages
    return refs[:length]


def frame_counts_for(distinct: int, candidates: tuple[int, ...]) -> tuple[int, ...]:
    """Keep the candidate frame counts that can evict, plus one that cannot."""
    below = [frames for frames in candidates if frames < distinct]
    return tuple(below + [distinct])


def short_cases(rng: random.Random, count: int) -> list[Case]:
    """Make short strings over a few pages, replayed with 1 to 7 frames."""
    cases = []
    for index in range(count):
        pages = rng.randint(2, 9)
        length = rng.randint(8, 40)
        refs = tuple(rng.randint(1, pages) for _ in range(length))
        distinct = len(set(refs))
        frames = tuple(range(1, min(7, distinct) + 1))
        cases.append(Case(f"short-{index}", refs, frames))
    return cases


def medium_cases(rng: random.Random, count: int) -> list[Case]:
    """Make strings of 100 to 400 references at 20 to 30 frames.

    libCacheSim's S3FIFO admits pages only from 20 frames up, so these are
    the shortest strings on which its definition can be compared.
    """
    cases = []
    for index in range(count):
        pages = rng.randint(22, 60)
        length = rng.randint(100, 400)
        refs = tuple(rng.randint(1, pages) for _ in range(length))
        distinct = len(set(refs))
        frames = frame_counts_for(distinct, (20, 21, 25, 30))
        cases.append(Case(f"medium-{index}", refs, frames))
    return cases


def long_cases(rng: random.Random) -> list[Case]:
    """Make uniform, Zipf, loop and scan strings with small to large caches."""
    frames = (1, 2, 3, 5, 8, 10, 19, 20, 21, 25, 33, 57, 100, 256, 1000,
              2048, 4000)
    specs: list[tuple[str, list[int]]] = []
    for pages, length in ((30, 2000), (500, 10000), (5000, 20000)):
        refs = [rng.randint(1, pages) for _ in range(length)]
        specs.append((f"uniform-p{pages}-n{length}", refs))
    for alpha in (0.7, 1.0, 1.3):
        for pages, length in ((100, 5000), (3000, 30000), (20000, 60000)):
            refs = zipf_refs(rng, pages, length, alpha)
            specs.append((f"zipf-a{alpha}-p{pages}-n{length}", refs))
    for pages in (20, 100, 1000):
        specs.append((f"loop-p{pages}", loop_refs(pages, 10 * pages + 7)))
    for hot, scan in ((50, 200), (500, 3000)):
        refs = scan_refs(rng, hot, scan, 30000)
        specs.append((f"scan-h{hot}-s{scan}", refs))

    cases = []
    for name, refs in specs:
        distinct = len(set(refs))
        counts = frame_counts_for(distinct, frames)
        if name.startswith("loop"):
            counts = tuple(sorted(set(counts) | {distinct - 1, distinct + 1}))
        cases.append(Case(name, tuple(refs), counts))
    return cases


def run_pagelab(binary: Path, trace: Path, specs: list[str],
                frames: int) -> list[int]:
    """Replay `trace` through pagelab and return the faults of each spec."""
    command = [str(binary), "replay", "--policy", ",".join(specs),
               "--frames", str(frames), "--refs-file", str(trace),
               "--format", "oracle-general", "--json"]
    completed = subprocess.run(command, capture_output=True, text=True,
                               check=False)
    if completed.returncode != 0:
        raise RuntimeError(
            f"pagelab failed with exit code {completed.returncode} on "
            f"{trace} at {count_frames(frames)}: {completed.stderr.strip()}"
        )
    lines = completed.stdout.splitlines()
    if len(lines) != len(specs):
        raise RuntimeError(
            f"pagelab printed {len(lines)} JSON lines for {len(specs)} "
            f"policies on {trace}"
        )
    return [json.loads(line)["faults"] for line in lines]


def run_libcachesim(pair: PolicyPair, trace: Path, frames: int,
                    n_refs: int) -> int:
    """Replay `trace` through libCacheSim and return its miss count.

    The C trace loop returns a miss ratio, which is exact enough to
    round back to a count for any trace shorter than 2^52 requests.
    """
    cache = pair.make_cache(frames)
    reader = lcs.TraceReader(str(trace), lcs.TraceType.ORACLE_GENERAL_TRACE)
    miss_ratio, _ = cache.process_trace(reader)
    return round(miss_ratio * n_refs)


def must_match(pair: PolicyPair, frames: int) -> bool:
    """Tell whether `pair` is required to agree at `frames` frames."""
    return pair.expect == "exact" and frames >= pair.exact_from


def compare_case(binary: Path, trace: Path, case: Case,
                 pairs: list[PolicyPair],
                 results: dict[str, PairResult]) -> None:
    """Replay one case at each of its frame counts and tally the results."""
    for frames in case.frame_counts:
        active = [pair for pair in pairs if frames >= pair.min_frames]
        specs = [pair.pagelab_spec for pair in active] + ["opt"]
        pagelab_faults = run_pagelab(binary, trace, specs, frames)
        opt_faults = pagelab_faults[-1]
        for pair, ours in zip(active, pagelab_faults):
            theirs = run_libcachesim(pair, trace, frames, len(case.refs))
            tally(results[pair.pagelab_spec], pair, case, frames, ours,
                  theirs, opt_faults)


def within_bounds(faults: int, case: Case, frames: int,
                  opt_faults: int) -> bool:
    """Check the bounds every demand-paging policy meets.

    OPT <= faults, distinct pages <= faults <= references, and faults equal
    the distinct pages when the frames can hold them all.
    """
    distinct = len(set(case.refs))
    if frames >= distinct:
        return faults == distinct
    return max(opt_faults, distinct) <= faults <= len(case.refs)


def tally(result: PairResult, pair: PolicyPair, case: Case, frames: int,
          ours: int, theirs: int, opt_faults: int) -> None:
    """Record one comparison of pagelab's and libCacheSim's miss counts."""
    result.runs += 1
    if not within_bounds(ours, case, frames, opt_faults):
        result.pagelab_bound_failures += 1
    if not within_bounds(theirs, case, frames, opt_faults):
        result.lcs_bound_failures += 1
        if result.first_lcs_bound_failure is None:
            result.first_lcs_bound_failure = (case.name, frames, theirs)
    result.pagelab_total += ours
    result.lcs_total += theirs
    n_refs = len(case.refs)
    if pair.expect == "range":
        in_range = all(opt_faults <= count <= n_refs for count in (ours, theirs))
        if not in_range:
            result.out_of_range += 1
    if ours == theirs:
        result.matches += 1
        return
    if result.first_mismatch is None:
        result.first_mismatch = (case.name, frames, ours, theirs)
    smallest = result.smallest_mismatch
    shorter = smallest is None or len(case.refs) < len(smallest[0])
    if frames >= pair.shrink_from and shorter:
        result.smallest_mismatch = (case.refs, frames, ours, theirs)
    if must_match(pair, frames):
        result.must_match_failures += 1


def count_must_match_runs(cases: list[Case], pair: PolicyPair) -> int:
    """Count the replays of `pair` that are required to agree."""
    return sum(1 for case in cases for frames in case.frame_counts
               if must_match(pair, frames) and frames >= pair.min_frames)


def mismatches(binary: Path, work_dir: Path, pair: PolicyPair,
               refs: tuple[int, ...], frames: int) -> tuple[int, int] | None:
    """Return (pagelab, libCacheSim) counts if they differ, else None."""
    trace = work_dir / "shrink.oracleGeneral.bin"
    write_oracle_general(trace, refs)
    ours = run_pagelab(binary, trace, [pair.pagelab_spec], frames)[0]
    theirs = run_libcachesim(pair, trace, frames, len(refs))
    return None if ours == theirs else (ours, theirs)


def relabel(refs: tuple[int, ...]) -> tuple[int, ...]:
    """Renumber pages 1, 2, ... in order of first reference."""
    labels: dict[int, int] = {}
    return tuple(labels.setdefault(page, len(labels) + 1) for page in refs)


def shrink(binary: Path, work_dir: Path, pair: PolicyPair,
           refs: tuple[int, ...], frames: int) -> tuple[tuple[int, ...], int]:
    """Shrink a mismatching case to a short string and few frames.

    Tries fewer frames, then deletes ever smaller chunks of references while
    the two counts still differ (a greedy delta-debugging pass), then
    renumbers the pages. The result is minimal against single deletions.
    """
    for fewer in range(pair.shrink_from, frames):
        if mismatches(binary, work_dir, pair, refs, fewer):
            frames = fewer
            break

    chunk = max(1, len(refs) // 2)
    while True:
        start = 0
        while start < len(refs):
            candidate = refs[:start] + refs[start + chunk:]
            if candidate and mismatches(binary, work_dir, pair, candidate, frames):
                refs = candidate
            else:
                start += chunk
        if chunk == 1:
            break
        chunk = max(1, chunk // 2)

    relabeled = relabel(refs)
    if mismatches(binary, work_dir, pair, relabeled, frames):
        refs = relabeled
    return refs, frames


def count_frames(frames: int) -> str:
    """Write a frame count with its noun, as "1 frame" or "3 frames"."""
    return "1 frame" if frames == 1 else f"{frames} frames"


def format_refs(refs: tuple[int, ...]) -> str:
    """Write a reference string as pagelab's `--refs` takes it."""
    return " ".join(str(page) for page in refs)


def print_table(pairs: list[PolicyPair], results: dict[str, PairResult],
                cases: list[Case]) -> None:
    """Print one line per policy pair, then the first mismatch of each."""
    header = (f"{'pagelab policy':<28} {'libCacheSim':<18} {'expect':<9} "
              f"{'runs':>6} {'match':>6} {'differ':>6} {'required':>8}")
    print(header)
    print("-" * len(header))
    for pair in pairs:
        result = results[pair.pagelab_spec]
        required = count_must_match_runs(cases, pair)
        print(f"{pair.pagelab_spec:<28} {pair.lcs_name:<18} {pair.expect:<9} "
              f"{result.runs:>6} {result.matches:>6} "
              f"{result.runs - result.matches:>6} {required:>8}")
    print()
    print_bound_failures(pairs, results)
    for pair in pairs:
        result = results[pair.pagelab_spec]
        if result.first_mismatch is None:
            continue
        name, frames, ours, theirs = result.first_mismatch
        print(f"{pair.pagelab_spec}: first difference in {name} at "
              f"{count_frames(frames)}: "
              f"pagelab {ours}, libCacheSim {theirs} ({pair.note})")
        if pair.expect == "range":
            print(f"{pair.pagelab_spec}: {result.out_of_range} runs outside "
                  "OPT <= faults <= references; faults summed over all "
                  f"runs: pagelab {result.pagelab_total}, "
                  f"libCacheSim {result.lcs_total}")


def print_bound_failures(pairs: list[PolicyPair],
                         results: dict[str, PairResult]) -> None:
    """Print the pairs whose counts broke a bound every policy meets."""
    for pair in pairs:
        result = results[pair.pagelab_spec]
        if result.pagelab_bound_failures:
            print(f"{pair.pagelab_spec}: pagelab broke the fault bounds in "
                  f"{result.pagelab_bound_failures} runs")
        if result.first_lcs_bound_failure is not None:
            name, frames, theirs = result.first_lcs_bound_failure
            print(f"{pair.lcs_name}: libCacheSim broke the fault bounds in "
                  f"{result.lcs_bound_failures} runs, first in {name} at "
                  f"{count_frames(frames)} with {theirs} misses")
    print()


def print_shrunk(binary: Path, work_dir: Path, pairs: list[PolicyPair],
                 results: dict[str, PairResult]) -> None:
    """Shrink the shortest mismatch of each deterministic pair and print it."""
    for pair in pairs:
        result = results[pair.pagelab_spec]
        if pair.expect == "range" or result.smallest_mismatch is None:
            continue
        refs, frames, _, _ = result.smallest_mismatch
        if len(refs) > SHRINK_MAX_REFS:
            print(f"{pair.pagelab_spec}: shortest difference has {len(refs)} "
                  "references, too long to shrink")
            continue
        small_refs, small_frames = shrink(binary, work_dir, pair, refs, frames)
        counts = mismatches(binary, work_dir, pair, small_refs, small_frames)
        if counts is None:
            continue
        print(f"{pair.pagelab_spec}: {count_frames(small_frames)}, refs "
              f"\"{format_refs(small_refs)}\": pagelab {counts[0]}, "
              f"libCacheSim {counts[1]}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pagelab", type=Path,
                        default=Path("target/release/pagelab"),
                        help="path of the built pagelab binary "
                             "(default: target/release/pagelab)")
    parser.add_argument("--cases-dir", type=Path, default=None,
                        help="directory for the generated traces, outside "
                             "the repository (default: a new temporary "
                             "directory)")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the case generator (default: 1)")
    parser.add_argument("--short-cases", type=int, default=300,
                        help="number of short random strings replayed at "
                             "1 to 7 frames (default: 300)")
    parser.add_argument("--medium-cases", type=int, default=60,
                        help="number of random strings of 100 to 400 "
                             "references replayed at 20 to 30 frames "
                             "(default: 60)")
    parser.add_argument("--no-long", action="store_true",
                        help="skip the long uniform, Zipf, loop and scan cases")
    parser.add_argument("--only", default=None,
                        help="comma-separated pagelab policy specs to compare, "
                             "as in the table's first column (default: all)")
    parser.add_argument("--no-shrink", action="store_true",
                        help="do not shrink mismatches to short strings")
    return parser.parse_args(argv)


def usage_error(message: str) -> None:
    """Print `message` and exit with status 2, as argparse does."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def select_pairs(only: str | None) -> list[PolicyPair]:
    """Return the pairs named by --only, or every pair."""
    pairs = policy_pairs()
    if only is None:
        return pairs
    requested = {spec.strip() for spec in only.split(",")}
    known = {pair.pagelab_spec for pair in pairs}
    unknown = sorted(requested - known)
    if unknown:
        usage_error(f"unknown pair {', '.join(unknown)} in --only; "
                    f"choose from {', '.join(sorted(known))}")
    return [pair for pair in pairs if pair.pagelab_spec in requested]


def main(argv: list[str]) -> int:
    """Generate the cases, compare every pair, print the results."""
    args = parse_args(argv)
    if not args.pagelab.is_file():
        usage_error(f"pagelab binary {args.pagelab} not found; build it "
                    "with `cargo build --release` or pass --pagelab PATH")
    pairs = select_pairs(args.only)
    if args.cases_dir is None:
        cases_dir = Path(tempfile.mkdtemp(prefix="pagelab-crosscheck-"))
    else:
        cases_dir = args.cases_dir
        cases_dir.mkdir(parents=True, exist_ok=True)

    rng = random.Random(args.seed)
    cases = short_cases(rng, args.short_cases)
    cases.extend(medium_cases(rng, args.medium_cases))
    if not args.no_long:
        cases.extend(long_cases(rng))

    print(f"libCacheSim {lcs.__version__}, pagelab {args.pagelab}, "
          f"seed {args.seed}, {len(cases)} cases in {cases_dir}")
    print("parameters chosen to align definitions:")
    for pair in pairs:
        print(f"  {pair.pagelab_spec:<28} vs {pair.lcs_name:<18} {pair.note}")
    print()

    results = {pair.pagelab_spec: PairResult() for pair in pairs}
    for case in cases:
        trace = cases_dir / f"{case.name}.oracleGeneral.bin"
        write_oracle_general(trace, case.refs)
        compare_case(args.pagelab, trace, case, pairs, results)

    print_table(pairs, results, cases)
    if not args.no_shrink:
        print()
        print("shortest differences found, shrunk:")
        print_shrunk(args.pagelab, cases_dir, pairs, results)

    return report_status(pairs, results)


def report_status(pairs: list[PolicyPair],
                  results: dict[str, PairResult]) -> int:
    """Print the verdict and return the exit status.

    The run fails when a pair required to match differed, or when pagelab
    itself broke a bound that every policy meets.
    """
    unmatched = [pair.pagelab_spec for pair in pairs
                 if results[pair.pagelab_spec].must_match_failures > 0]
    out_of_bounds = [pair.pagelab_spec for pair in pairs
                     if results[pair.pagelab_spec].pagelab_bound_failures > 0]
    print()
    if unmatched:
        print(f"FAILED: required exact match broken for {', '.join(unmatched)}")
    if out_of_bounds:
        print(f"FAILED: pagelab broke the fault bounds for "
              f"{', '.join(out_of_bounds)}")
    if unmatched or out_of_bounds:
        return 1
    print("all required exact matches hold, and pagelab kept every bound")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
