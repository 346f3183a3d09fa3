"""Silver: parse bronze payloads against the contract, type them, and decide each record's fate.

Every bronze record leaves `classify` with exactly one outcome, so that
bronze = silver + quarantine + duplicates holds by construction:
  - `silver`: valid, first time its order_id is seen within the lateness horizon;
  - `quarantine`: invalid, with a machine-readable `reason` (contract.rejects) and a `detail`;
  - `duplicate`: valid, but its order_id was already accepted.
"""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from contract import events
from contract.geography import STATE_CITIES, STATES
from contract.rejects import MAX_CLOCK_SKEW_SECONDS, Reason

SILVER, QUARANTINE, DUPLICATE = "silver", "quarantine", "duplicate"

_INTEGER_TYPES = r"^(TINYINT|SMALLINT|INT|BIGINT|DECIMAL\(\d+,0\))$"
_NUMBER_TYPES = r"^(TINYINT|SMALLINT|INT|BIGINT|DECIMAL\(\d+,\d+\)|FLOAT|DOUBLE)$"
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

SILVER_COLUMNS = (
    "order_id", "customer_id", "state", "city", "product", "category", "quantity", "price",
    "revenue", "currency", "channel", "payment_method", "event_time", "schema_version",
    "topic", "partition", "offset", "kafka_timestamp",
)  # fmt: skip


def _absent(name: str) -> Column:
    """Missing key or JSON null."""
    return F.col(f"_v_{name}").isNull() | F.expr(f"is_variant_null(_v_{name})")


def _type_ok(field: events.Field) -> Column:
    """JSON type of the field matches the contract (strings are strings, numbers are numbers)."""
    kind = F.expr(f"schema_of_variant(_v_{field.name})")
    if field.json_type == "string":
        return kind == F.lit("STRING")
    return kind.rlike(_INTEGER_TYPES if field.json_type == "integer" else _NUMBER_TYPES)


def _as(name: str, sql_type: str) -> Column:
    return F.expr(f"try_variant_get(_v_{name}, '$', '{sql_type}')")


def _text(name: str) -> Column:
    return F.trim(_as(name, "string"))


def _normalized_city(city: Column) -> Column:
    """Same rule as contract.geography.normalize_city: collapse whitespace, ignore case."""
    return F.lower(F.regexp_replace(F.trim(city), r"\s+", " "))


def _canonical_cities() -> Column:
    pairs = sorted(
        {(f"{code}|{city.casefold()}", city) for code, s in STATES.items() for city in s.cities}
    )
    assert len(pairs) == len(STATE_CITIES)
    return F.create_map(*[F.lit(x) for pair in pairs for x in pair])


def _names_where(flags: dict[str, Column]) -> Column:
    """Comma-separated names of the fields whose flag is true: the reject's detail."""
    return F.concat_ws(",", *[F.when(flag, F.lit(name)) for name, flag in flags.items()])


def parse_orders(bronze: DataFrame) -> DataFrame:
    """Typed order columns plus `reason`/`detail` (null when valid), payload and coordinates."""
    missing = {f.name: _absent(f.name) for f in events.FIELDS}
    wrong_type = {f.name: ~_type_ok(f) for f in events.FIELDS}

    # Parse once, extract each field once: later expressions read these columns instead of
    # re-walking the document (Spark would otherwise inline the parse into every use).
    fields = (
        bronze.withColumn("_text", F.col("payload").cast("string"))
        .withColumn("_utf8", F.expr("is_valid_utf8(_text)"))
        .withColumn("doc", F.when(F.col("_utf8"), F.expr("try_parse_json(_text)")))
        .select(
            "*",
            F.ltrim(F.col("_text")).startswith("{").alias("_object"),
            *[
                F.expr(f"variant_get(doc, '$.{f.name}')").alias(f"_v_{f.name}")
                for f in events.FIELDS
            ],
        )
    )
    typed = (
        fields.withColumn("_missing", _names_where(missing))
        .withColumn("_wrong_type", _names_where(wrong_type))
        .withColumn("schema_version", _as("schema_version", "int"))
        .withColumn("order_id", F.lower(_text("order_id")))
        .withColumn("customer_id", _text("customer_id"))
        .withColumn("state", F.upper(_text("state")))
        .withColumn(
            "city",
            F.element_at(
                _canonical_cities(), F.concat_ws("|", "state", _normalized_city(_text("city")))
            ),
        )
        .withColumn("product", _text("product"))
        .withColumn("category", _text("category"))
        .withColumn("quantity", _as("quantity", "int"))
        .withColumn("_price_number", _as("price", "double"))
        .withColumn(
            "price", _as("price", f"decimal({events.PRICE_PRECISION},{events.PRICE_SCALE})")
        )
        .withColumn("currency", F.upper(_text("currency")))
        .withColumn("channel", F.lower(_text("channel")))
        .withColumn("payment_method", F.lower(_text("payment_method")))
        .withColumn("_timestamp_text", _text("timestamp"))
        .withColumn("event_time", F.expr("try_to_timestamp(_timestamp_text)"))
    )

    bad_price = (
        F.col("price").isNull()
        | F.col("_price_number").isNull()
        | F.isnan("_price_number")
        | (F.abs(F.col("_price_number")) == F.lit(float("inf")))
        | (F.col("price") <= 0)
    )
    bad_value = (
        (F.col("currency") != events.CURRENCY)
        | ~F.col("channel").isin(*events.CHANNELS)
        | ~F.col("payment_method").isin(*events.PAYMENT_METHODS)
        | (F.length("product") == 0)
        | (F.length("product") > 200)
        | (F.length("customer_id") == 0)
    )
    future = F.col("event_time") > F.col("kafka_timestamp") + F.expr(
        f"INTERVAL {MAX_CLOCK_SKEW_SECONDS} SECONDS"
    )
    rules: list[tuple[Column, Reason, Column]] = [
        (~F.col("_utf8"), Reason.NOT_UTF8, F.lit("payload is not valid UTF-8")),
        (F.col("doc").isNull() | ~F.col("_object"), Reason.NOT_JSON, F.lit("not a JSON object")),
        (F.col("_missing") != "", Reason.MISSING_FIELD, F.col("_missing")),
        (F.col("_wrong_type") != "", Reason.WRONG_TYPE, F.col("_wrong_type")),
        (
            F.col("schema_version").isNull() | (F.col("schema_version") != events.SCHEMA_VERSION),
            Reason.UNSUPPORTED_VERSION,
            F.concat(F.lit("schema_version "), F.col("schema_version").cast("string")),
        ),
        (~F.col("order_id").rlike(_UUID), Reason.BAD_ORDER_ID, F.col("order_id")),
        (
            F.col("quantity").isNull() | (F.col("quantity") < 1),
            Reason.BAD_QUANTITY,
            F.concat(F.lit("quantity "), _as("quantity", "string")),
        ),
        (
            bad_price,
            Reason.BAD_PRICE,
            F.concat(F.lit("price "), _as("price", "string")),
        ),
        (
            bad_value,
            Reason.BAD_VALUE,
            F.lit("currency, channel, payment_method, product or customer_id"),
        ),
        (~F.col("state").isin(*STATES), Reason.UNKNOWN_STATE, F.col("state")),
        (
            F.col("city").isNull(),
            Reason.CITY_NOT_IN_STATE,
            F.concat_ws(" in ", _text("city"), "state"),
        ),
        (F.col("event_time").isNull(), Reason.BAD_TIMESTAMP, F.col("_timestamp_text")),
        (future, Reason.FUTURE_TIMESTAMP, F.col("_timestamp_text")),
    ]
    # The first failing rule gives the reason and its detail.
    reason = F.lit(None).cast("string")
    detail = F.lit(None).cast("string")
    for condition, code, why in reversed(rules):
        reason = F.when(condition, F.lit(code.value)).otherwise(reason)
        detail = F.when(condition, why).otherwise(detail)

    return (
        typed.withColumn("reason", reason)
        .withColumn("detail", detail)
        .withColumn(
            "revenue",
            (F.col("quantity") * F.col("price")).cast(
                f"decimal({events.REVENUE_PRECISION},{events.REVENUE_SCALE})"
            ),
        )
        .select(*SILVER_COLUMNS, "payload", "reason", "detail")
    )


def classify(parsed: DataFrame, accepted_keys: DataFrame, watermark: datetime | None) -> DataFrame:
    """Give every parsed record its `outcome`: silver, quarantine (late included) or duplicate.

    `accepted_keys` holds the order_ids already in silver within the horizon; within the batch
    the earliest Kafka coordinate wins. `watermark` is the newest accepted event time so far
    minus the allowed lateness; older valid events are quarantined as `late`.
    """
    late = (
        F.col("reason").isNull()
        & F.lit(watermark is not None)
        & (F.col("event_time") < F.lit(watermark))
    )
    marked = parsed.withColumn(
        "detail",
        F.when(late, F.concat(F.lit("before watermark "), F.lit(str(watermark)))).otherwise(
            F.col("detail")
        ),
    ).withColumn("reason", F.when(late, F.lit(Reason.LATE.value)).otherwise(F.col("reason")))

    first = Window.partitionBy("order_id").orderBy("partition", "offset")
    seen = accepted_keys.select("order_id").distinct().withColumn("_accepted", F.lit(True))
    valid = (
        marked.where(F.col("reason").isNull())
        # Only quarantine keeps the raw payload: leaving it out here keeps the shuffle small.
        .withColumn("payload", F.lit(None).cast("binary"))
        .withColumn("_rank", F.row_number().over(first))
        .join(seen, "order_id", "left")
        .withColumn(
            "outcome",
            F.when(F.col("_accepted") | (F.col("_rank") > 1), F.lit(DUPLICATE)).otherwise(
                F.lit(SILVER)
            ),
        )
        .withColumn(
            "detail",
            F.when(F.col("_accepted"), F.lit("already in silver")).when(
                F.col("_rank") > 1, F.lit("repeated within batch")
            ),
        )
        .drop("_rank", "_accepted")
    )
    rejected = marked.where(F.col("reason").isNotNull()).withColumn("outcome", F.lit(QUARANTINE))
    return valid.unionByName(rejected)
