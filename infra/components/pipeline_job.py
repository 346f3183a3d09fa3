"""The bronze -> silver -> gold job: one job cluster, scheduled or continuous per the config.

Scheduled runs chain the stages with availableNow triggers; continuous runs start all three
streaming stages at once (a never-ending stage would block the next one's dependency).
"""

from __future__ import annotations

from cdktn_provider_databricks.job import (
    Job,
    JobContinuous,
    JobEmailNotifications,
    JobJobCluster,
    JobJobClusterNewCluster,
    JobSchedule,
    JobTask,
    JobTaskDependsOn,
    JobTaskLibrary,
    JobTaskLibraryPypi,
    JobTaskSparkPythonTask,
)
from constructs import Construct

from infra.components.base import Deployment
from jobs.session import cluster_static_conf

STAGES = ("bronze", "silver", "gold")
CLUSTER = "pipeline"


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


class PipelineJob(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        d: Deployment,
        *,
        scripts_root: str,
        parameters: list[str],
        env_vars: dict[str, str],
        libraries: tuple[str, ...],
        depends_on: list,
    ) -> None:
        super().__init__(scope, id_)
        db = d.azure.databricks
        continuous = db.continuous
        cluster = JobJobClusterNewCluster(
            spark_version=db.spark_version,
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
        tasks = []
        for i, stage in enumerate(STAGES):
            upstream = [] if continuous or i == 0 else [JobTaskDependsOn(task_key=STAGES[i - 1])]
            tasks.append(
                JobTask(
                    task_key=stage,
                    job_cluster_key=CLUSTER,
                    depends_on=upstream or None,
                    spark_python_task=JobTaskSparkPythonTask(
                        python_file=f"{scripts_root}/jobs/{stage}.py",
                        source="WORKSPACE",
                        parameters=parameters,
                    ),
                    library=[JobTaskLibrary(pypi=JobTaskLibraryPypi(package=p)) for p in libraries],
                    timeout_seconds=db.timeout_seconds,
                    **retries,
                )
            )
        self.job = Job(
            self,
            "job",
            name=d.names.job,
            job_cluster=[JobJobCluster(job_cluster_key=CLUSTER, new_cluster=cluster)],
            task=tasks,
            schedule=JobSchedule(quartz_cron_expression=db.schedule, timezone_id="UTC")
            if db.schedule
            else None,
            continuous=JobContinuous(task_retry_mode="ON_FAILURE") if continuous else None,
            max_concurrent_runs=1,
            timeout_seconds=db.timeout_seconds,
            email_notifications=JobEmailNotifications(on_failure=list(db.notification_emails))
            if db.notification_emails
            else None,
            tags=d.tags,
            depends_on=depends_on,
        )
