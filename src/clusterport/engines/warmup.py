"""The warm-up query a cluster answers before it is WAITING (run as its own process).

``python -m clusterport.engines.warmup PORT`` connects to the Spark Connect
server on ``localhost:PORT`` with the token in ``SPARK_CONNECT_AUTHENTICATE_TOKEN``
(never on the command line, where ``ps`` would show it), runs a small query
that needs an executor and a shuffle, checks the answer and exits 0. This
proves the cluster works end to end and pays the JIT cost of the first query
so the first user does not.
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession

EXPECTED_SUM = sum(range(20_000))


def run(port: int) -> int:
    """Run the warm-up query against ``localhost:port``; returns a process exit code."""
    session = SparkSession.builder.remote(f"sc://localhost:{port}").create()
    try:
        # One partition: the warm executor runs every task, so dynamic allocation
        # asks for no more executors than the one it keeps.
        session.conf.set("spark.sql.shuffle.partitions", "1")
        total = session.range(0, 20_000, 1, 1).selectExpr("sum(id) AS s").collect()[0]["s"]
        counted = (
            session.range(0, 20_000, 1, 1)
            .selectExpr("id % 7 AS k")
            .groupBy("k")
            .count()
            .orderBy("k")
            .collect()
        )
    finally:
        session.stop()
    if total != EXPECTED_SUM or sum(row["count"] for row in counted) != 20_000:
        print(f"warm-up query returned a wrong answer: {total}, {counted}", file=sys.stderr)
        return 2
    print(f"warm-up query answered: sum={total}, groups={len(counted)}")
    return 0


def main() -> None:
    """Entry point: ``python -m clusterport.engines.warmup PORT``."""
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: python -m clusterport.engines.warmup PORT", file=sys.stderr)
        raise SystemExit(64)
    raise SystemExit(run(int(sys.argv[1])))


if __name__ == "__main__":
    main()
