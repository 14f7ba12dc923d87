"""Side by side with Datasette: the same deals served by both, the same kinds of page timed in
turn (`python -m bench.run … --vs-datasette`).

Datasette is not one of the app's dependencies: it is installed on first use, with
sqlite-utils, into a virtual environment of its own under the work directory
(`<work dir>/datasette-<version>-venv`, pinned versions: Datasette 1.0a41, the release issue
#24 was measured with). The app's own CSV export of everything is loaded into SQLite by
`sqlite-utils insert --csv` (column types detected, the id as primary key), indexed on the
columns its pages sort and filter by, with a full-text index over the title, parties, hardware
and sources; `datasette serve` then answers on a free port of 127.0.0.1.

Each pair is timed one request at a time, alternating between the two servers (so that a
machine busy with other work slows both alike): medians. Then at 16 in flight, in alternating
blocks: requests per second. Pairs: a deal's page against Datasette's row page, and a page of
the JSON list at the same size (the API's newest-first order against Datasette's table sorted
by the same column, indexed).
"""

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.measure import collector_paused, timed_get
from bench.server import free_port, stop

DATASETTE = "1.0a41"  # the release the figures of issue #24 were taken with
PACKAGES = (f"datasette=={DATASETTE}", "sqlite-utils==4.2.1")
PAGE_SIZE = 50
FTS_COLUMNS = ("title", "parties", "hardware", "sources")
INDEXED = ("first_reported_on", "status", "confidence")


@dataclass(frozen=True)
class Pair:
    name: str
    ours: str
    theirs: str


@dataclass
class PairTiming:
    pair: Pair
    ours_c1: list[float] = field(default_factory=list)
    theirs_c1: list[float] = field(default_factory=list)
    ours_c16: tuple[int, float] = (0, 0.0)  # requests, seconds
    theirs_c16: tuple[int, float] = (0, 0.0)
    failures: list[str] = field(default_factory=list)

    @property
    def ours_ms(self) -> float:
        return statistics.median(self.ours_c1) * 1000

    @property
    def theirs_ms(self) -> float:
        return statistics.median(self.theirs_c1) * 1000

    @staticmethod
    def _rps(done: tuple[int, float]) -> float:
        return done[0] / done[1] if done[1] else 0.0

    @property
    def ours_rps(self) -> float:
        return self._rps(self.ours_c16)

    @property
    def theirs_rps(self) -> float:
        return self._rps(self.theirs_c16)


def pairs(deal_id: int, word: str) -> list[Pair]:
    return [
        Pair("deal page / row page", f"/deals/{deal_id}", f"/deals/deals/{deal_id}"),
        Pair(
            f"JSON list, {PAGE_SIZE} items",
            f"/api/v1/deals?per_page={PAGE_SIZE}",
            f"/deals/deals.json?_size={PAGE_SIZE}&_sort_desc=first_reported_on",
        ),
        Pair(
            f"JSON search '{word}', {PAGE_SIZE} items",
            f"/api/v1/deals?q={word}&per_page={PAGE_SIZE}",
            f"/deals/deals.json?_search={word}&_size={PAGE_SIZE}&_sort_desc=first_reported_on",
        ),
    ]


def datasette_bin(work_dir: Path) -> Path:
    """The bin directory of a virtual environment with Datasette and sqlite-utils, one per
    pinned release of Datasette."""
    venv = work_dir / f"datasette-{DATASETTE}-venv"
    bin_dir = venv / "bin"
    if not (bin_dir / "datasette").exists() or not (bin_dir / "sqlite-utils").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", *PACKAGES]
        subprocess.run(pip, check=True)
    return bin_dir


def load_export(client: httpx.Client, bin_dir: Path, work_dir: Path) -> Path:
    """The app's CSV export of every deal, as a SQLite database Datasette serves (rebuilt)."""
    folder = work_dir / "datasette"
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, database = folder / "deals.csv", folder / "deals.db"
    with client.stream("GET", "/deals.csv", timeout=3600) as response, csv_path.open("wb") as out:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            out.write(chunk)
    database.unlink(missing_ok=True)
    tool = str(bin_dir / "sqlite-utils")
    db = str(database)
    insert = [tool, "insert", db, "deals", str(csv_path), "--csv", "--pk", "id"]  # types detected
    subprocess.run(insert, check=True)
    for column in INDEXED:
        subprocess.run([tool, "create-index", db, "deals", column], check=True)
    subprocess.run([tool, "enable-fts", db, "deals", *FTS_COLUMNS, "--fts5"], check=True)
    subprocess.run([tool, "analyze", db], check=True)
    return database


@contextmanager
def serve_datasette(bin_dir: Path, database: Path) -> Iterator[str]:
    """`datasette serve` (one process, as it runs by default) on a free port; its base URL."""
    port = free_port()
    command = [str(bin_dir / "datasette"), "serve", str(database), "--host", "127.0.0.1",
               "--port", str(port), "--setting", "default_page_size", str(PAGE_SIZE)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"datasette exited with {process.returncode}")
            try:
                if httpx.get(f"{base_url}/-/versions.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("datasette did not answer within 60 s")
            time.sleep(0.2)
        yield base_url
    finally:
        stop(process)


def measure_pair(
    client: httpx.Client,
    ours: str,
    theirs: str,
    pair: Pair,
    *,
    requests: int = 40,
    blocks: int = 4,
    block_size: int = 64,
    concurrency: int = 16,
) -> PairTiming:
    """Alternate one request here, one there; then blocks of `block_size` at `concurrency`."""
    timing = PairTiming(pair)
    urls = (ours + pair.ours, theirs + pair.theirs)
    for url in urls:  # warm both: caches, connections, the planner's statistics
        for _ in range(3):
            timed_get(client, url)
    for _ in range(requests):
        for url, times in zip(urls, (timing.ours_c1, timing.theirs_c1), strict=True):
            with collector_paused():
                seconds, failure = timed_get(client, url)
            times.append(seconds)
            timing.failures += [f"{url}: {failure}"] if failure else []
    done = {urls[0]: [0, 0.0], urls[1]: [0, 0.0]}
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(blocks):
            for url in urls:
                started = time.perf_counter()
                results = list(pool.map(timed_get, [client] * block_size, [url] * block_size))
                done[url][0] += len(results)
                done[url][1] += time.perf_counter() - started
                timing.failures += [f"{url}: {failure}" for _, failure in results if failure]
    timing.ours_c16 = (int(done[urls[0]][0]), done[urls[0]][1])
    timing.theirs_c16 = (int(done[urls[1]][0]), done[urls[1]][1])
    return timing


def compare(
    client: httpx.Client, ours: str, work_dir: Path, deal_id: int, word: str
) -> tuple[list[PairTiming], str]:
    """Load the export into Datasette, serve it, time every pair; the timings and Datasette's
    version."""
    bin_dir = datasette_bin(work_dir)
    database = load_export(client, bin_dir, work_dir)
    with serve_datasette(bin_dir, database) as theirs:
        version = httpx.get(f"{theirs}/-/versions.json").json()["datasette"]["version"]
        timings = []
        for pair in pairs(deal_id, word):
            timing = measure_pair(client, ours, theirs, pair)
            timing.failures += unequal_pages(ours, theirs, pair)
            timings.append(timing)
    return timings, str(version)


def unequal_pages(ours: str, theirs: str, pair: Pair) -> list[str]:
    """Whether both sides answered a pair with a 200, and a JSON list pair with `PAGE_SIZE`
    items on each side: a server cannot look fast by sending less. The failures, if any."""
    mine, yours = httpx.get(f"{ours}{pair.ours}"), httpx.get(f"{theirs}{pair.theirs}")
    if mine.status_code != 200 or yours.status_code != 200:
        return [f"{pair.name}: HTTP {mine.status_code} / {yours.status_code}"]
    if not pair.ours.startswith("/api/"):
        return []
    sizes = len(mine.json()["items"]), len(yours.json()["rows"])
    return [] if sizes == (PAGE_SIZE, PAGE_SIZE) else [f"{pair.name}: {sizes} items"]


def main() -> None:
    """The comparison alone, on a database already generated (e.g. kept by `bench.run --keep`):

    python -m bench.datasette postgresql+psycopg://postgres@127.0.0.1:5432/bench_100000 [workers]
    """
    from app.db import make_engine
    from bench.deals import SEARCH_WORD
    from bench.measure import middle_deal_id
    from bench.run import BENCH_DIR
    from bench.server import serve

    url, workers = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2
    engine = make_engine(url)
    deal_id = middle_deal_id(engine)
    engine.dispose()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with serve(url, workers) as server, httpx.Client(timeout=300, limits=limits) as client:
        client.base_url = httpx.URL(server.base_url)
        timings, version = compare(
            client, server.base_url, BENCH_DIR / ".work", deal_id, SEARCH_WORD
        )
    print(f"Datasette {version}")
    for t in timings:
        print(
            f"{t.pair.name:<34} ours {t.ours_ms:7.1f} ms  Datasette {t.theirs_ms:7.1f} ms "
            f"({t.theirs_ms / t.ours_ms:.2f}x)  @16 ours {t.ours_rps:6.1f}/s  Datasette "
            f"{t.theirs_rps:6.1f}/s ({t.ours_rps / t.theirs_rps:.2f}x)  failures {len(t.failures)}"
        )


if __name__ == "__main__":
    main()
