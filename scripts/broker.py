"""The local stand-in for Event Hubs: a single-node Apache Kafka broker in KRaft mode.

Jars come from `.jars/broker` (Maven, via pom.xml); data, logs and the pid file live under
a git-ignored folder. `make up` / `make down` call the CLI at the bottom; `make status`
(scripts.status) asks the running broker.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import typer
from confluent_kafka.admin import AdminClient, NewTopic

from environments import ConfigError, load_environment

ROOT = Path(__file__).resolve().parent.parent
JARS = ROOT / ".jars" / "broker"
DEFAULT_DATA_DIR = ROOT / "data" / "broker"

_SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={log_dir}
auto.create.topics.enable=false
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
"""

_LOG4J2 = """\
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log_file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
"""


def _cluster_id() -> str:
    """A random Kafka cluster id; like Kafka's own, never starting with '-' (read as a flag)."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not candidate.startswith("-"):
            return candidate


def spare_port() -> int:
    """A free port whose successor (the broker's controller port) is free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


class BrokerError(RuntimeError):
    pass


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Broker:
    """Start, stop and inspect one local broker; usable as a context manager in tests."""

    def __init__(self, port: int = 9092, data_dir: Path = DEFAULT_DATA_DIR, heap: str = "512m"):
        self.port = port
        self.controller_port = port + 1
        self.data_dir = Path(data_dir)
        self.heap = heap

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "broker.log"

    def _java(self, *args: str) -> list[str]:
        if not any(JARS.glob("kafka_*.jar")):
            raise BrokerError("broker jars missing: run `make setup`")
        return [
            "java",
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            f"{JARS}/*",
            *args,
        ]

    def pid(self) -> int | None:
        """The broker's pid if its process is alive."""
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        try:
            # Started by this process: reap it if it has exited, or it lingers as a zombie.
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return None
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
            return pid
        except OSError:
            return None

    def healthy(self, timeout: float = 2.0) -> bool:
        if not _port_open(self.port):
            return False
        try:
            self.admin().list_topics(timeout=timeout)
            return True
        except Exception:
            return False

    def admin(self) -> AdminClient:
        return AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 0})

    def _configure(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        properties = self.data_dir / "server.properties"
        properties.write_text(
            _SERVER_PROPERTIES.format(
                port=self.port,
                controller_port=self.controller_port,
                log_dir=self.data_dir / "logs",
            )
        )
        (self.data_dir / "log4j2.properties").write_text(_LOG4J2.format(log_file=self.log_file))
        if not (self.data_dir / "logs" / "meta.properties").exists():
            cluster_id = _cluster_id()
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties)
                ),
                check=True,
                capture_output=True,
            )
        return properties

    def start(self, timeout: float = 90.0) -> Broker:
        """Idempotent: returns at once if this broker is already healthy."""
        if self.pid() and self.healthy():
            return self
        for port in (self.port, self.controller_port):
            if _port_open(port):
                raise BrokerError(f"port {port} is already in use by another process")
        properties = self._configure()
        with open(self.data_dir / "broker.out", "ab") as out:
            process = subprocess.Popen(
                self._java("kafka.Kafka", str(properties)),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(
                    f"broker exited with code {process.returncode}; see {self.log_file}"
                )
            if self.healthy():
                return self
            time.sleep(0.5)
        self.stop()
        raise BrokerError(f"broker not healthy after {timeout:.0f}s; see {self.log_file}")

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful SIGTERM, SIGKILL if it lingers. Idempotent."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid():
            time.sleep(0.2)
        if self.pid():
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def ensure_topic(self, name: str, partitions: int) -> None:
        admin = self.admin()
        topics = admin.list_topics(timeout=10).topics
        if name in topics:
            have = len(topics[name].partitions)
            if have < partitions:
                from confluent_kafka.admin import NewPartitions

                admin.create_partitions([NewPartitions(name, partitions)])[name].result(30)
            return
        futures = admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1)]
        )
        futures[name].result(30)

    def topic_sizes(self) -> dict[str, int]:
        """Messages currently held per topic (end minus start offsets), internal topics aside."""
        from confluent_kafka import Consumer, TopicPartition

        metadata = self.admin().list_topics(timeout=10)
        consumer = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": "status", "log_level": 0}
        )
        try:
            sizes = {}
            for topic, meta in sorted(metadata.topics.items()):
                if topic.startswith("__"):
                    continue
                total = 0
                for p in meta.partitions:
                    low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                    total += high - low
                sizes[topic] = total
            return sizes
        finally:
            consumer.close()

    def __enter__(self) -> Broker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def broker_for(env_name: str) -> tuple[Broker, str, int]:
    """The broker an environment points at, with its topic and partition count."""
    env = load_environment(env_name)
    if not env.is_local:
        raise ConfigError(f"environment {env.name!r} is not local: its broker is Event Hubs")
    host, _, port = env.kafka.bootstrap_servers.rpartition(":")
    if host not in ("127.0.0.1", "localhost") or not port.isdigit():
        raise ConfigError(
            f"kafka.bootstrap_servers: {env.kafka.bootstrap_servers} is not a local address"
        )
    return Broker(port=int(port)), env.kafka.topic, env.kafka.partitions


cli = typer.Typer(add_completion=False, help=__doc__)
EnvOption = typer.Option("local", "--env", help="Environment name (environments/<env>.yaml)")


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"broker: {message}", err=True)
    return typer.Exit(code)


@cli.command()
def up(env: str = EnvOption) -> None:
    """Start the broker if needed and create the topic."""
    try:
        broker, topic, partitions = broker_for(env)
        broker.start()
        broker.ensure_topic(topic, partitions)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    except BrokerError as exc:
        raise _fail(str(exc), 1) from None
    typer.echo(
        f"broker up at {broker.bootstrap} (pid {broker.pid()}), topic {topic!r} x{partitions}"
    )


@cli.command()
def down(env: str = EnvOption) -> None:
    """Stop the broker; its data stays for the next `up`."""
    try:
        broker, _, _ = broker_for(env)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    was = broker.pid()
    broker.stop()
    typer.echo("broker stopped" if was else "broker was not running")


if __name__ == "__main__":
    cli()
