"""What Spark's code generation has done in this JVM: the tests that a new micro-batch compiles
nothing new count on it."""


def compiled_classes(spark) -> int:
    """How many classes code generation has compiled in this JVM so far."""
    metrics = spark._jvm.org.apache.spark.metrics.source.CodegenMetrics
    return metrics.METRIC_COMPILATION_TIME().getCount()
