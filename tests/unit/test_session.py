"""The local Spark session's JVM options, checked against the real JVM that will run them."""

from __future__ import annotations

import shlex
import subprocess

from environments import load_environment
from jobs.session import local_conf


def test_the_jit_compiles_spark_generated_stage_loops_with_c1_only():
    options = shlex.split(local_conf(load_environment("local"))["spark.driver.extraJavaOptions"])
    shown = subprocess.run(
        ["java", *options, "-XX:+CompilerDirectivesPrint", "-version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ours = shown.split("Directive: (default)")[0]
    assert "matching: *GeneratedIteratorForCodegenStage*.processNext" in ours
    c1, c2 = ours.split(" c1 directives:")[1].split(" c2 directives:")
    assert "Exclude:false" in c1
    assert "Exclude:true" in c2
