"""The warm-up query a cluster answers before it is WAITING (run as its own process).

``python -m clusterport.engines.warmup PORT [--first-query]`` connects to the
Spark Connect server on ``localhost:PORT`` with the token in
``SPARK_CONNECT_AUTHENTICATE_TOKEN`` (never on the command line, where ``ps``
would show it), runs a small query that needs an executor and a shuffle,
checks the answer and exits 0. This proves the cluster works end to end and
pays the JIT cost of the first query so the first user does not.

``--first-query`` also runs a user's typical first query (SQL text over the
default partitions, a shuffle read on the executor), whose first run costs
about half a second more than later ones. A warm-pool member runs it while no
one waits, so that the account it is handed to gets that answer at once; a
cold cluster does not (its user would wait for it before WAITING instead of
after).
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession

EXPECTED_ROWS = 20_000
EXPECTED_SUM = sum(range(EXPECTED_ROWS))
#: What the warm-up's log adds when it ran a user's first query too (``--first-query``).
FIRST_QUERY_NOTE = ", a user's first query included"


def run(port: int, first_query: bool = False) -> int:
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
        # Then, for --first-query, a user's first query as it comes: SQL text over the
        # default partitions, aggregated in each and finally after a shuffle read on the
        # executor. Its tasks are warm by now and wait for each other only briefly.
        if first_query:
            summed = session.sql(f"SELECT sum(id) AS s FROM range({EXPECTED_ROWS})").first()
        else:
            summed = session.range(0, EXPECTED_ROWS, 1, 1).selectExpr("sum(id) AS s").first()
    finally:
        session.stop()
    total = summed["s"] if summed is not None else None
    if total != EXPECTED_SUM or sum(row["count"] for row in counted) != EXPECTED_ROWS:
        print(f"warm-up query returned a wrong answer: {total}, {counted}", file=sys.stderr)
        return 2
    print(
        f"warm-up query answered: sum={total}, groups={len(counted)}"
        + (FIRST_QUERY_NOTE if first_query else "")
    )
    return 0


def main() -> None:
    """Entry point: ``python -m clusterport.engines.warmup PORT [--first-query]``."""
    args = sys.argv[1:]
    first_query = args[1:] == ["--first-query"]
    if len(args) != (2 if first_query else 1) or not args[0].isdigit():
        print("usage: python -m clusterport.engines.warmup PORT [--first-query]", file=sys.stderr)
        raise SystemExit(64)
    raise SystemExit(run(int(args[0]), first_query))


if __name__ == "__main__":
    main()
