"""Silver: parse bronze payloads against the contract, type them, and decide each record's fate.

Every bronze record leaves `classify` with exactly one outcome, so that
bronze = silver + quarantine + duplicates holds by construction:
  - `silver`: valid, first time its order_id is seen within the lateness horizon;
  - `quarantine`: invalid, with a machine-readable `reason` (contract.rejects) and a `detail`;
  - `duplicate`: valid, but its order_id was already accepted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from contract import events
from contract.geography import STATE_CITIES, STATES, normalize_city
from contract.rejects import (
    EARLIEST_EVENT_TIME,
    LATEST_EVENT_TIME,
    MAX_CLOCK_SKEW_SECONDS,
    Reason,
)

SILVER, QUARANTINE, DUPLICATE = "silver", "quarantine", "duplicate"

_INTEGER_TYPES = r"^(TINYINT|SMALLINT|INT|BIGINT|DECIMAL\(\d+,0\))$"
_NUMBER_TYPES = r"^(TINYINT|SMALLINT|INT|BIGINT|DECIMAL\(\d+,\d+\)|FLOAT|DOUBLE)$"
# \z, not $: Java's $ also matches before a final line break, which would let "<uuid>\n" in.
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z"
# from_json turns a number, boolean, object or array found in a string field into its JSON
# text; a string value that reads like one of those cannot be vouched for by from_json alone.
_NUMBER_TEXT = r"^-?[0-9][0-9.eE+-]*$"
_NUMBER_STARTS = tuple("-0123456789")
# Standard JSON only: what try_parse_json accepts too.
_STRICT_JSON = {"allowNonNumericNumbers": "false", "allowSingleQuotes": "false"}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

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


def _as_text(name: str) -> Column:
    """The field as the producer wrote it (from the VARIANT), for a reject's detail."""
    return F.expr(f"try_variant_get(_v_{name}, '$', 'string')")


def _text(name: str) -> Column:
    return F.trim(F.col(f"_values.{name}"))


@cache
def _canonical_cities() -> Column:
    """State -> (normalized city -> the catalog's spelling): a small map per state to search.

    Built once per process: a thousand literals are a thousand calls into the JVM."""
    by_state: dict[str, dict[str, str]] = {}
    for code, state in STATES.items():
        for city in state.cities:
            by_state.setdefault(code, {})[normalize_city(city)] = city
    assert sum(map(len, by_state.values())) == len(STATE_CITIES)
    return F.create_map(
        *[
            x
            for code, cities in sorted(by_state.items())
            for x in (
                F.lit(code),
                F.create_map(*[F.lit(v) for kv in sorted(cities.items()) for v in kv]),
            )
        ]
    )


def _reads_as_non_string(text: Column) -> Column:
    """True when `text` could be from_json's rendering of a number, boolean, object or array.

    The first character decides most cases; the regex runs only on text starting like a number.
    """
    first = F.substring(text, 1, 1)
    return (
        first.isin("{", "[")
        | text.isin("true", "false")
        | F.when(first.isin(*_NUMBER_STARTS), text.rlike(_NUMBER_TEXT)).otherwise(False)
    )


def _canonical_city(state: Column, city: Column) -> Column:
    """Catalog spelling of `city` in `state`, or null. Same rule as geography.normalize_city:
    collapse whitespace, ignore case; the regex runs only when the plain lookup misses."""
    cities = F.element_at(_canonical_cities(), state)
    plain = F.element_at(cities, F.lower(F.trim(city)))
    collapsed = F.element_at(cities, F.lower(F.regexp_replace(F.trim(city), r"\s+", " ")))
    return F.coalesce(plain, collapsed)


def _names_where(flags: dict[str, Column]) -> Column:
    """Comma-separated names of the fields whose flag is true: the reject's detail."""
    return F.concat_ws(",", *[F.when(flag, F.lit(name)) for name, flag in flags.items()])


def parse_orders(bronze: DataFrame) -> DataFrame:
    """Typed order columns plus `reason`/`detail` (null when valid), payload and coordinates.

    Values come from one from_json pass with number-only numeric fields. A record from_json
    fully vouches for (every field present, numbers where numbers belong, strings that read
    as strings) skips the type rules; only the others are parsed again, as a VARIANT, to name
    what is missing or mistyped. Both routes give the same verdict for every record: the
    VARIANT reader accepts exactly the standard JSON from_json is held to, duplicate keys
    included (the last one wins in both, as in JavaScript and Python).
    """
    steps = _parse_steps()
    return (
        bronze.withColumn("_text", F.col("payload").cast("string"))
        .select("*", *steps.reading)
        .withColumn("_vouched", steps.vouched)
        # Parse once, extract each field once, and only where from_json could not vouch.
        .withColumn(
            "doc", F.when(F.col("_utf8") & ~F.col("_vouched"), F.expr("try_parse_json(_text)"))
        )
        .select("*", *steps.variants)
        # Two projections, not one per column: each DataFrame step costs an analysis of the plan.
        .withColumns(steps.typed)
        .withColumns(steps.derived)
        .withColumns(steps.verdict)
        .select(*SILVER_COLUMNS, "payload", "reason", "detail")
    )


class _ParseSteps(NamedTuple):
    reading: list[Column]
    vouched: Column
    variants: list[Column]
    typed: dict[str, Column]
    derived: dict[str, Column]
    verdict: dict[str, Column]


@cache
def _parse_steps() -> _ParseSteps:
    """parse_orders' expressions, built once per process: they are the same for every batch,
    and building them is thousands of calls into the JVM (half a second a micro-batch)."""
    string_fields = [f.name for f in events.FIELDS if f.json_type == "string"]
    vouched = F.col("_utf8") & F.col("_object") & F.col("_values_in_record").isNull()
    for f in events.FIELDS:
        vouched &= F.col(f"_values.{f.name}").isNotNull()
    for name in string_fields:
        vouched &= ~_reads_as_non_string(F.col(f"_values.{name}"))
    reading = [
        _values_in_record(F.col("_text")).alias("_values_in_record"),
        F.expr("is_valid_utf8(_text)").alias("_utf8"),
        F.ltrim(F.col("_text")).startswith("{").alias("_object"),
        F.from_json("_text", events.spark_schema(), _STRICT_JSON).alias("_values"),
    ]
    variants = [
        F.expr(f"variant_get(doc, '$.{f.name}')").alias(f"_v_{f.name}") for f in events.FIELDS
    ]
    missing = {f.name: _absent(f.name) for f in events.FIELDS}
    wrong_type = {f.name: ~_type_ok(f) for f in events.FIELDS}
    typed = {
        "_missing": F.when(~F.col("_vouched"), _names_where(missing)),
        "_wrong_type": F.when(~F.col("_vouched"), _names_where(wrong_type)),
        "schema_version": F.expr("try_cast(_values.schema_version AS int)"),
        "order_id": F.lower(_text("order_id")),
        "customer_id": _text("customer_id"),
        "state": F.upper(_text("state")),
        "product": _text("product"),
        "category": _text("category"),
        "quantity": F.expr("try_cast(_values.quantity AS int)"),
        "_price_number": F.col("_values.price"),
        "price": F.expr(f"try_cast(_values.price AS {events.PRICE_TYPE})"),
        "currency": F.upper(_text("currency")),
        "channel": F.lower(_text("channel")),
        "payment_method": F.lower(_text("payment_method")),
        "_timestamp_text": _text("timestamp"),
    }
    derived = {
        "city": _canonical_city(F.col("state"), F.col("_values.city")),
        "event_time": F.when(
            _names_an_instant(F.col("_timestamp_text")),
            F.expr("try_to_timestamp(_timestamp_text)"),
        ),
        # Null when the product does not fit the money type: a reject, not a failed batch.
        "revenue": F.expr(f"try_cast(quantity * price AS {events.REVENUE_TYPE})"),
    }

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
        # A control character (only an escape can put one in a valid JSON string) in the free
        # text fields: readers such as Power BI cut or refuse them.
        | (
            F.col("_text").contains("\\")
            & F.concat_ws("", "product", "category", "customer_id").rlike(r"[\x00-\x1f]")
        )
    )
    future = F.col("event_time") > F.col("kafka_timestamp") + F.expr(
        f"INTERVAL {MAX_CLOCK_SKEW_SECONDS} SECONDS"
    )
    earliest, latest = (datetime.fromisoformat(t) for t in (EARLIEST_EVENT_TIME, LATEST_EVENT_TIME))
    out_of_range = _before("event_time", earliest) | ~_before("event_time", latest)
    # One record holds one JSON value: from_json and the VARIANT parser both read the first and
    # ignore what follows. `_values_in_record` counts the values a suspect record holds.
    trailing = F.col("_values").isNotNull() & (F.col("_values_in_record") != 1)
    # A \u escape of half a surrogate pair names no character: the JSON readers would write
    # "?" in its place, silently. Looked for only in texts with a \u escape at all.
    lone_surrogate = F.col("_text").contains("\\u") & F.col("_text").rlike(_LONE_SURROGATE)
    rules: list[tuple[Column, Reason, Column]] = [
        (~F.col("_utf8"), Reason.NOT_UTF8, F.lit("payload is not valid UTF-8")),
        (
            lone_surrogate,
            Reason.NOT_UTF8,
            F.lit("a \\u escape names half a surrogate pair, which is no character"),
        ),
        (
            trailing,
            Reason.NOT_JSON,
            F.concat(F.lit("more than one JSON value; the record ends with: "), _tail("_text")),
        ),
        (
            ~F.col("_vouched") & (F.col("doc").isNull() | ~F.col("_object")),
            Reason.NOT_JSON,
            F.lit("not a JSON object"),
        ),
        (~F.col("_vouched") & (F.col("_missing") != ""), Reason.MISSING_FIELD, F.col("_missing")),
        (
            ~F.col("_vouched") & (F.col("_wrong_type") != ""),
            Reason.WRONG_TYPE,
            F.col("_wrong_type"),
        ),
        (
            F.col("schema_version").isNull() | (F.col("schema_version") != events.SCHEMA_VERSION),
            Reason.UNSUPPORTED_VERSION,
            F.concat(F.lit("schema_version "), F.col("schema_version").cast("string")),
        ),
        (~F.col("order_id").rlike(_UUID), Reason.BAD_ORDER_ID, F.col("order_id")),
        (
            F.col("quantity").isNull() | (F.col("quantity") < 1),
            Reason.BAD_QUANTITY,
            F.concat(
                F.lit("quantity "),
                F.coalesce(F.col("_values.quantity").cast("string"), _as_text("quantity")),
            ),
        ),
        (
            bad_price,
            Reason.BAD_PRICE,
            F.concat(
                F.lit("price "),
                F.coalesce(F.col("_values.price").cast("string"), _as_text("price")),
            ),
        ),
        (
            F.col("revenue").isNull(),
            Reason.BAD_REVENUE,
            F.concat_ws(" x ", F.col("quantity").cast("string"), F.col("price").cast("string")),
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
        (
            out_of_range,
            Reason.TIMESTAMP_OUT_OF_RANGE,
            F.concat(
                F.col("_timestamp_text"),
                F.lit(f" is outside [{EARLIEST_EVENT_TIME}, {LATEST_EVENT_TIME})"),
            ),
        ),
    ]
    # The first failing rule gives the reason and its detail.
    reason = detail = F.lit(None).cast("string")
    for condition, code, why in reversed(rules):
        reason = F.when(condition, F.lit(code.value)).otherwise(reason)
        detail = F.when(condition, why).otherwise(detail)

    return _ParseSteps(
        reading, vouched, variants, typed, derived, {"reason": reason, "detail": detail}
    )


# A high surrogate escape not followed by a low one, or a low one not preceded by a high one.
_HIGH, _LOW = r"\\ud[89ab][0-9a-f]{2}", r"\\ud[c-f][0-9a-f]{2}"
_LONE_SURROGATE = rf"(?i){_HIGH}(?!{_LOW})|(?<!{_HIGH}){_LOW}"


def _names_an_instant(text: Column) -> Column:
    """A date, a time and a zone: `T` after the date, `Z` or an offset at the end (the parser
    then checks the digits). Spark would also read a bare date (as midnight) or a zoneless time
    (in the session's zone), which name no instant of their own. No regex: it runs per record."""
    zone = (
        (F.substring(text, -1, 1) == "Z")
        | F.substring(text, -6, 1).isin("+", "-")  # +05:30
        | F.substring(text, -5, 1).isin("+", "-")  # +0530
    )
    return (F.length(text) >= 20) & (F.substring(text, 11, 1) == "T") & zone


def _values_in_record(text: Column) -> Column:
    """1 when a suspect record holds one JSON value, -1 when not; null when it is not suspect.

    Wrapped in brackets with a second element the record cannot forge (its own md5), one value
    is an array of exactly two ending in that sentinel. A JSON reader stops at the first
    closing bracket, so `{...}]` or `{...} xyz` never yields it. Suspect: a closing brace before
    the record's last character (a valid order has one, its last). Looked for in the bytes
    with `contains`, which compares one byte before it compares a match (`locate` and `instr`
    compare a whole match at every character: on 1 M records that was a fifth of the CPU). A
    brace is one byte in UTF-8, never part of another character.
    """
    raw, brace = text.cast("binary"), F.lit(bytearray(b"}"))
    size = F.octet_length(raw)
    before_last = F.substring(raw, F.lit(1), size - 1)
    suspect = (size > 0) & (~raw.endswith(brace) | before_last.contains(brace))
    sentinel = F.md5(text)
    wrapped = F.concat(F.lit("["), text, F.lit(',"'), sentinel, F.lit('"]'))
    single = (F.json_array_length(wrapped) == 2) & (F.get_json_object(wrapped, "$[1]") == sentinel)
    return F.when(suspect, F.when(single, F.lit(1)).otherwise(F.lit(-1)))


def _tail(name: str) -> Column:
    """The last 40 characters of a text, for a reject's detail."""
    return F.substring(F.col(name), -40, 40)


def _before(column: str, instant: datetime | None) -> Column:
    """`column < instant`, false without an instant.

    Code generation writes a timestamp or long literal into the generated Java, so a watermark
    that moves every micro-batch would recompile the whole parse stage every batch (6,000
    lines: Janino, then the JIT, each time). The instant is compared as a decimal number of
    microseconds instead, which the generated code receives by reference. The cast is to
    DECIMAL(19,0): it holds every long, but is narrower than Spark's own decimal for a long, so
    the optimizer cannot turn the comparison back into a long literal (it does for (20,0)).
    """
    if instant is None:
        return F.lit(False)
    micros = (instant.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
    return F.unix_micros(F.col(column)).cast("decimal(19,0)") < F.lit(Decimal(micros))


def classify(parsed: DataFrame, accepted_keys: DataFrame, watermark: datetime | None) -> DataFrame:
    """Give every parsed record its `outcome`: silver, quarantine (late included) or duplicate.

    `accepted_keys` holds the order_ids already in silver within the horizon; within the batch
    the earliest Kafka coordinate wins. `watermark` is the newest accepted event time so far
    minus the allowed lateness; older valid events are quarantined as `late`.
    """
    late = F.col("reason").isNull() & _before("event_time", watermark)
    marked = parsed.withColumn(
        "detail",
        F.when(late, F.concat(F.lit("before watermark "), F.lit(str(watermark)))).otherwise(
            F.col("detail")
        ),
    ).withColumn("reason", F.when(late, F.lit(Reason.LATE.value)).otherwise(F.col("reason")))

    rejected = F.col("reason").isNotNull()
    # One pass, no filter: a filter on `reason` would be pushed into the parse and evaluate the
    # rule chain twice. Ranks are counted among valid records only.
    first = Window.partitionBy("order_id", rejected).orderBy("partition", "offset")
    seen = accepted_keys.select("order_id").distinct().withColumn("_accepted", F.lit(True))
    return (
        # Only quarantine keeps the raw payload: leaving it out elsewhere keeps the shuffle small.
        marked.withColumn("payload", F.when(rejected, F.col("payload")))
        .withColumn("_rank", F.row_number().over(first))
        .join(seen, "order_id", "left")
        .withColumn(
            "outcome",
            F.when(rejected, F.lit(QUARANTINE))
            .when(F.col("_accepted") | (F.col("_rank") > 1), F.lit(DUPLICATE))
            .otherwise(F.lit(SILVER)),
        )
        .withColumn(
            "detail",
            F.when(rejected, F.col("detail"))
            .when(F.col("_accepted"), F.lit("already in silver"))
            .when(F.col("_rank") > 1, F.lit("repeated within batch")),
        )
        .drop("_rank", "_accepted")
    )
