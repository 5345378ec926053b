"""Classic-PySpark behaviour that Livy clients rely on, provided on top of Spark Connect.

Livy sessions used to run classic PySpark, and clients send code written for
it. Two differences of Spark Connect matter to them:

* ``DataFrame.toJSON()`` returned an RDD of JSON strings (``take``/``collect``
  give ``str``); sparkmagic's ``%%sql`` and ``-o`` run
  ``df.toJSON(use_unicode=True).take(n)`` and print each string. On Spark
  Connect it returns a DataFrame of rows and takes no argument. Inside a Livy
  session :func:`install` makes it return :class:`JsonLines`, which behaves
  like that RDD and otherwise forwards to the DataFrame.
* There is no ``SparkContext`` (``sc``) on Spark Connect: the session binds
  ``sc`` to :class:`MissingSparkContext`, whose every use explains that and
  points at the ``spark`` session instead of a bare ``NameError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyspark.sql.connect.dataframe import DataFrame

__all__ = ["JsonLines", "MissingSparkContext", "install"]

NO_SPARK_CONTEXT = (
    "SparkContext (sc) is not available: this Livy endpoint runs PySpark over Spark Connect, "
    "which has no SparkContext. Use the SparkSession `spark` instead "
    "(spark.createDataFrame, spark.read, spark.sql, spark.range)."
)


class JsonLines:
    """The JSON strings of a DataFrame's rows, shaped like classic ``RDD[str]``."""

    def __init__(self, frame: Any) -> None:
        self._frame = frame

    def take(self, num: int) -> list[str]:
        """The first ``num`` rows as JSON strings."""
        return [row[0] for row in self._frame.take(num)]

    def collect(self) -> list[str]:
        """All rows as JSON strings."""
        return [row[0] for row in self._frame.collect()]

    def first(self) -> str | None:
        """The first row as a JSON string, or ``None`` when there are none."""
        rows = self.take(1)
        return rows[0] if rows else None

    def count(self) -> int:
        """The number of rows."""
        return int(self._frame.count())

    def sample(self, withReplacement: bool, fraction: float, seed: int | None = None) -> JsonLines:
        """A random sample, with the classic RDD signature."""
        return JsonLines(self._frame.sample(withReplacement, fraction, seed))

    def toLocalIterator(self) -> Iterator[str]:
        """Iterate over the JSON strings."""
        for row in self._frame.toLocalIterator():
            yield row[0]

    def __iter__(self) -> Iterator[str]:
        return self.toLocalIterator()

    def __getattr__(self, name: str) -> Any:
        # Everything else behaves as Spark Connect's own toJSON() DataFrame.
        return getattr(self._frame, name)

    def __repr__(self) -> str:
        return f"JsonLines({self._frame!r})"


class MissingSparkContext:
    """Stands for ``sc`` and explains on any use that Spark Connect has no SparkContext."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(NO_SPARK_CONTEXT)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(NO_SPARK_CONTEXT)

    def __repr__(self) -> str:
        return f"<no SparkContext: {NO_SPARK_CONTEXT}>"


def install() -> None:
    """Patch Spark Connect's ``DataFrame.toJSON`` in this process (the interpreter child)."""
    if getattr(DataFrame.toJSON, "__clusterport_compat__", False):
        return
    connect_to_json = DataFrame.toJSON

    def toJSON(self: Any, use_unicode: bool = True) -> JsonLines:
        """Classic PySpark's ``toJSON``: the rows as JSON strings (``use_unicode`` is moot)."""
        return JsonLines(connect_to_json(self))

    toJSON.__clusterport_compat__ = True  # type: ignore[attr-defined]
    DataFrame.toJSON = toJSON  # type: ignore[method-assign,assignment]
