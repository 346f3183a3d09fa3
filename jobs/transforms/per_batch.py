"""Values that change every micro-batch (its id, its time) as columns whose code does not.

Spark writes a number or timestamp literal into the Java it generates for a stage, so a new
value every batch meant compiling the stage again every batch: Janino, then the JIT, on the
same two cores as the data. An array literal is handed to the generated code by reference
instead; reading its one element at a position the optimizer cannot fold keeps it from
turning the array back into a plain literal.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F


def per_batch(value: object, spark_type: str) -> Column:
    """`value` as a column of `spark_type`, the same generated code whatever the value."""
    # spark_partition_id() is not foldable, so neither is the position (always the first).
    first = F.spark_partition_id() * 0 + 1
    return F.element_at(F.array(F.lit(value).cast(spark_type)), first)
