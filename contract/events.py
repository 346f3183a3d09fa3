"""The order event, version 1: the single definition of what travels on the `orders` topic.

Producers write JSON objects with exactly these fields; the silver stage reads them with
`spark_schema()` and rejects anything else with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Field:
    name: str
    json_type: str  # "string" | "integer" | "number"
    description: str


FIELDS: tuple[Field, ...] = (
    Field("schema_version", "integer", "Version of this contract; 1."),
    Field("order_id", "string", "UUID of the order; the de-duplication key."),
    Field("customer_id", "string", "Stable pseudonymous customer id."),
    Field("state", "string", "Two-letter USPS code of the shipping state (50 states + DC)."),
    Field("city", "string", "Shipping city; must belong to `state`."),
    Field("product", "string", "Product name from the catalog."),
    Field("category", "string", "Catalog category of the product."),
    Field("quantity", "integer", "Units ordered; at least 1."),
    Field("price", "number", "Unit price in USD; positive and finite."),
    Field("currency", "string", "ISO 4217 currency; always USD."),
    Field("channel", "string", "web | mobile | marketplace"),
    Field("payment_method", "string", "card | paypal | apple_pay | gift_card"),
    Field(
        "timestamp",
        "string",
        "When the order was placed: UTC, ISO-8601, e.g. 2026-11-27T10:00:00.123Z",
    ),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
REQUIRED: frozenset[str] = frozenset(FIELD_NAMES)
CHANNELS: tuple[str, ...] = ("web", "mobile", "marketplace")
PAYMENT_METHODS: tuple[str, ...] = ("card", "paypal", "apple_pay", "gift_card")
CURRENCY = "USD"
# Money is exact from silver onward.
PRICE_PRECISION, PRICE_SCALE = 12, 2
REVENUE_PRECISION, REVENUE_SCALE = 18, 2
PRICE_TYPE = f"decimal({PRICE_PRECISION},{PRICE_SCALE})"
REVENUE_TYPE = f"decimal({REVENUE_PRECISION},{REVENUE_SCALE})"
# Gold's revenue sums: 38 digits hold 10^20 orders of the largest revenue silver accepts, so
# no window can overflow (at 18 digits two such orders in one minute stopped the pipeline).
TOTAL_PRECISION = 38
TOTAL_TYPE = f"decimal({TOTAL_PRECISION},{REVENUE_SCALE})"


def spark_schema():
    """The Spark StructType silver reads payloads with; imported lazily so producers need no Spark.

    Integers and prices are read as numbers only (a JSON string there becomes null, then a
    named reject); prices as doubles, which is what every JSON producer holds them in.
    """
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    types = {"string": StringType(), "integer": LongType(), "number": DoubleType()}
    return StructType([StructField(f.name, types[f.json_type], True) for f in FIELDS])


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of a valid event, for producers in other languages."""
    types = {"string": "string", "integer": "integer", "number": "number"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Order event v{SCHEMA_VERSION}",
        "type": "object",
        "additionalProperties": False,
        "required": list(FIELD_NAMES),
        "properties": {
            f.name: {"type": types[f.json_type], "description": f.description} for f in FIELDS
        },
    }
