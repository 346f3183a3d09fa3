"""A small SQL warehouse that stops itself when idle; the dashboard and Power BI query gold."""

from __future__ import annotations

from cdktn_provider_databricks.sql_endpoint import (
    SqlEndpoint,
    SqlEndpointTags,
    SqlEndpointTagsCustomTags,
    SqlEndpointTimeouts,
)
from constructs import Construct

from infra.components.base import Deployment


class SqlWarehouse(Construct):
    def __init__(self, scope: Construct, id_: str, d: Deployment) -> None:
        super().__init__(scope, id_)
        db = d.azure.databricks
        self.warehouse = SqlEndpoint(
            self,
            "warehouse",
            name=d.names.warehouse,
            cluster_size=db.warehouse_size,
            min_num_clusters=1,
            max_num_clusters=1,
            auto_stop_mins=db.warehouse_auto_stop_minutes,
            enable_serverless_compute=db.warehouse_serverless,
            warehouse_type="PRO",
            tags=SqlEndpointTags(
                custom_tags=[SqlEndpointTagsCustomTags(key=k, value=v) for k, v in d.tags.items()]
            ),
            timeouts=SqlEndpointTimeouts(create="30m"),  # creation often takes 10-20 minutes
        )
