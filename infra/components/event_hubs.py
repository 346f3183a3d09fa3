"""Event Hubs: the namespace (Kafka endpoint), the orders hub, and least-privilege access rules."""

from __future__ import annotations

from cdktn_provider_azurerm.eventhub import Eventhub
from cdktn_provider_azurerm.eventhub_authorization_rule import EventhubAuthorizationRule
from cdktn_provider_azurerm.eventhub_namespace import EventhubNamespace
from constructs import Construct

from contract.eventhubs_kafka import kafka_endpoint
from infra.components.base import Deployment


class EventHubs(Construct):
    def __init__(self, scope: Construct, id_: str, d: Deployment) -> None:
        super().__init__(scope, id_)
        settings = d.azure.eventhubs
        private = d.azure.private_networking
        self.namespace = EventhubNamespace(
            self,
            "namespace",
            name=d.names.eventhub_namespace,
            **d.placement,
            sku=settings.sku,  # Standard or above: Basic has no Kafka endpoint
            capacity=settings.capacity,
            auto_inflate_enabled=settings.auto_inflate_max > 0,
            maximum_throughput_units=settings.auto_inflate_max or None,
            minimum_tls_version="1.2",
            # SAS is how Kafka clients authenticate; the rules below are send-only/listen-only.
            local_authentication_enabled=True,
            public_network_access_enabled=not private,
        )
        self.hub = Eventhub(
            self,
            "orders",
            name=d.env.kafka.topic,
            namespace_id=self.namespace.id,
            partition_count=d.env.kafka.partitions,
            message_retention=settings.message_retention_days,
        )
        hub = {
            "eventhub_name": self.hub.name,
            "namespace_name": self.namespace.name,
            "resource_group_name": d.resource_group,
        }
        # No consumer group resource: Kafka clients' groups are created by the service as they
        # join and have a quota of their own ("Event Hubs quotas": Kafka consumer groups per
        # namespace), and Spark's Kafka source names its own (kafka.consumer_group is its prefix).
        self.send_rule = EventhubAuthorizationRule(
            self, "send", name="simulator-send", send=True, listen=False, manage=False, **hub
        )
        self.listen_rule = EventhubAuthorizationRule(
            self, "listen", name="pipeline-listen", send=False, listen=True, manage=False, **hub
        )

    @property
    def bootstrap_servers(self) -> str:
        return kafka_endpoint(self.namespace.name)
