"""A Power BI Desktop connection file (`.pbids`) for the gold table on a SQL warehouse.

The shape is the one Databricks Partner Connect hands out: protocol `databricks-sql`,
the warehouse's host and HTTP path as the address, catalog and schema as connector options,
DirectQuery so the report shows what gold holds now. `details.query` is the data source's
native query, here a plain select of the gold table, so the file opens straight onto it.
No credential goes in the file: Power BI asks for one when it is opened.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$")


def _check(field: str, value: str, pattern: re.Pattern, expected: str) -> str:
    if not pattern.match(value or ""):
        raise ValueError(f"{field}: expected {expected}, got {value!r}")
    return value


def pbids(server_hostname: str, http_path: str, catalog: str, schema: str, table: str) -> dict:
    """The `.pbids` document (write it with `json.dump`) for Power BI's Databricks connector."""
    host = _check(
        "server_hostname",
        server_hostname.removeprefix("https://").rstrip("/"),
        _HOST,
        "a host name such as adb-123.4.azuredatabricks.net",
    )
    if not http_path.startswith("/sql/"):
        raise ValueError(
            "http_path: expected a warehouse path such as /sql/1.0/warehouses/<id>, "
            f"got {http_path!r}"
        )
    names = [
        _check(field, value, _NAME, "a plain catalog/schema/table name")
        for field, value in (("catalog", catalog), ("schema", schema), ("table", table))
    ]
    full_name = ".".join(f"`{n}`" for n in names)
    return {
        "version": "0.1",
        "connections": [
            {
                "details": {
                    "protocol": "databricks-sql",
                    "address": {"host": host, "path": http_path},
                    "authentication": None,
                    "query": f"SELECT * FROM {full_name}",
                },
                "options": {"Catalog": catalog, "Database": schema},
                "mode": "DirectQuery",
            }
        ],
    }
