"""The bronze -> silver -> gold job: one task, one job cluster, scheduled or continuous.

The task runs `jobs/pipeline.py`, the three layers from one streaming query: locally it is the
faster way (README, Benchmarks), and one process creates every table it writes, so no two
tasks race to create the same table on a first start. It runs as its own service principal.
"""

from __future__ import annotations

import importlib.metadata

from cdktn_provider_databricks.data_databricks_spark_version import DataDatabricksSparkVersion
from cdktn_provider_databricks.job import (
    Job,
    JobContinuous,
    JobEmailNotifications,
    JobHealth,
    JobHealthRules,
    JobJobCluster,
    JobJobClusterNewCluster,
    JobRunAs,
    JobSchedule,
    JobTask,
    JobTaskLibrary,
    JobTaskLibraryPypi,
    JobTaskSparkPythonTask,
)
from constructs import Construct

from environments.model import DatabricksSettings, ObservabilitySettings
from infra.closure import JOB_SCRIPT
from infra.components.base import Deployment
from jobs.session import cluster_static_conf

TASK = "pipeline"
CLUSTER = "pipeline"


def runtime(scope: Construct, db: DatabricksSettings) -> str:
    """The configured runtime key, or the workspace's LTS runtime for the local Spark minor.

    Looked up at deploy time, so the job never runs a beta by a guessed key; no match fails the
    plan instead (Databricks Runtime 18 LTS is Spark 4.1, Scala 2.13).
    """
    if db.spark_version:
        return db.spark_version
    spark = ".".join(importlib.metadata.version("pyspark").split(".")[:2])
    return DataDatabricksSparkVersion(
        scope, "runtime", long_term_support=True, spark_version=spark, scala="2.13"
    ).id


def stage_parameters(
    env_name: str, trigger: str, lake_root: str, checkpoint_root: str, bootstrap_servers: str
) -> list[str]:
    return [
        *("--env", env_name),
        *("--trigger", trigger),
        *("--lake-root", lake_root),
        *("--checkpoint-root", checkpoint_root),
        *("--bootstrap-servers", bootstrap_servers),
    ]


def cluster_spark_conf(workers: int, shuffle_partitions: int) -> dict[str, str]:
    conf = cluster_static_conf() | {
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        # Event Hubs brokers restart for upgrades: let tasks retry through it.
        "spark.task.maxFailures": "8",
    }
    if workers == 0:
        conf |= {"spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]"}
    return conf


def health_rules(db: DatabricksSettings, told: ObservabilitySettings) -> list[JobHealthRules]:
    """Backlog by time and by records (Databricks' streaming backlog metrics, judged on a
    10-minute average); a run's duration too when runs are scheduled: a continuous run is
    meant to last. GREATER_THAN is the only operator the Jobs API takes."""
    rules = {
        "STREAMING_BACKLOG_SECONDS": told.backlog_seconds,
        "STREAMING_BACKLOG_RECORDS": told.backlog_records,
    }
    if not db.continuous:
        rules["RUN_DURATION_SECONDS"] = told.run_duration_seconds
    return [JobHealthRules(metric=m, op="GREATER_THAN", value=v) for m, v in rules.items()]


def notifications(db: DatabricksSettings, told: ObservabilitySettings) -> JobEmailNotifications:
    """Each health rule needs its own recipients: a rule without them tells nobody."""
    emails = list(told.alert_emails)
    return JobEmailNotifications(
        on_failure=emails,
        on_streaming_backlog_exceeded=emails,
        on_duration_warning_threshold_exceeded=None if db.continuous else emails,
    )


class PipelineJob(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        d: Deployment,
        *,
        scripts_root: str,
        spark_version: str,
        run_as: str,
        parameters: list[str],
        env_vars: dict[str, str],
        libraries: tuple[str, ...],
        depends_on: list,
    ) -> None:
        super().__init__(scope, id_)
        db = d.azure.databricks
        continuous = db.continuous
        cluster = JobJobClusterNewCluster(
            spark_version=spark_version,
            node_type_id=db.node_type,
            num_workers=db.workers,
            data_security_mode="SINGLE_USER",  # Unity Catalog paths need a dedicated cluster
            spark_conf=cluster_spark_conf(db.workers, d.env.pipeline.shuffle_partitions),
            spark_env_vars=env_vars,
            custom_tags=d.tags,
        )
        retries = (
            {}
            if continuous
            else {
                "max_retries": db.max_retries,
                "min_retry_interval_millis": 60_000,
                "retry_on_timeout": True,
            }
        )
        task = JobTask(
            task_key=TASK,
            job_cluster_key=CLUSTER,
            spark_python_task=JobTaskSparkPythonTask(
                python_file=f"{scripts_root}/{JOB_SCRIPT}",
                source="WORKSPACE",
                parameters=parameters,
            ),
            library=[JobTaskLibrary(pypi=JobTaskLibraryPypi(package=p)) for p in libraries],
            timeout_seconds=db.timeout_seconds,
            **retries,
        )
        self.job = Job(
            self,
            "job",
            name=d.names.job,
            job_cluster=[JobJobCluster(job_cluster_key=CLUSTER, new_cluster=cluster)],
            task=[task],
            run_as=JobRunAs(service_principal_name=run_as),
            schedule=JobSchedule(quartz_cron_expression=db.schedule, timezone_id="UTC")
            if db.schedule
            else None,
            continuous=JobContinuous(task_retry_mode="ON_FAILURE") if continuous else None,
            max_concurrent_runs=1,
            timeout_seconds=db.timeout_seconds,
            health=JobHealth(rules=health_rules(db, d.env.observability)),
            email_notifications=notifications(db, d.env.observability),
            tags=d.tags,
            depends_on=depends_on,
        )
