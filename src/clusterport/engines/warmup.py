"""The warm-up queries a cluster answers while no one waits for it (run as its own process).

``python -m clusterport.engines.warmup PORT`` connects to the Spark Connect
server on ``localhost:PORT`` with the token in
``SPARK_CONNECT_AUTHENTICATE_TOKEN`` (never on the command line, where ``ps``
would show it), runs a small query that needs an executor and a shuffle, then
a user's typical first query (SQL text over the default partitions, a shuffle
read on the executor), checks the answers and exits 0. This proves the cluster
works end to end and pays the JIT cost of a first query before anyone asks.

A warm-pool member runs it before it is ready, so that the account it is
handed to gets its first answer at once, and so does a cluster training CDS
archives (the archives then hold those classes). A cluster a user waits for
does not: see ``_Launch.warms_up`` in :mod:`clusterport.engines.local_spark`.
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession

EXPECTED_ROWS = 20_000
EXPECTED_SUM = sum(range(EXPECTED_ROWS))
#: What the warm-up's log says once it answered.
ANSWERED = "warm-up query answered"


def run(port: int) -> int:
    """Run the warm-up queries against ``localhost:port``; returns a process exit code."""
    session = SparkSession.builder.remote(f"sc://localhost:{port}").create()
    try:
        # One partition first: the warm executor runs every task while its code is
        # still cold, so dynamic allocation (which asks for more executors once tasks
        # wait for a second) asks for no more than the one it keeps.
        session.conf.set("spark.sql.shuffle.partitions", "1")
        counted = (
            session.range(0, EXPECTED_ROWS, 1, 1)
            .selectExpr("id % 7 AS k")
            .groupBy("k")
            .count()
            .orderBy("k")
            .collect()
        )
        # Then a user's first query as it comes: SQL text over the default partitions,
        # aggregated in each and finally after a shuffle read on the executor. Its tasks
        # are warm by now and wait for each other only briefly.
        summed = session.sql(f"SELECT sum(id) AS s FROM range({EXPECTED_ROWS})").first()
    finally:
        session.stop()
    total = summed["s"] if summed is not None else None
    if total != EXPECTED_SUM or sum(row["count"] for row in counted) != EXPECTED_ROWS:
        print(f"warm-up query returned a wrong answer: {total}, {counted}", file=sys.stderr)
        return 2
    print(f"{ANSWERED}: sum={total}, groups={len(counted)}")
    return 0


def main() -> None:
    """Entry point: ``python -m clusterport.engines.warmup PORT``."""
    args = sys.argv[1:]
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m clusterport.engines.warmup PORT", file=sys.stderr)
        raise SystemExit(64)
    raise SystemExit(run(int(args[0])))


if __name__ == "__main__":
    main()
