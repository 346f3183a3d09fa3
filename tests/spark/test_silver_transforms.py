"""Every silver rule on small DataFrames: one bad field at a time, each with its reason."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from contract.rejects import Reason
from jobs.transforms.silver import DUPLICATE, QUARANTINE, SILVER, classify, parse_orders
from tests.spark.codegen import compiled_classes

INGESTED = datetime(2026, 11, 27, 10, 0, 5)
BRONZE = (
    "key binary, payload binary, topic string, partition int, offset long, "
    "kafka_timestamp timestamp"
)


def order(**changes) -> dict:
    event = {
        "schema_version": 1,
        "order_id": str(uuid.uuid4()),
        "customer_id": "cust-00042",
        "state": "CA",
        "city": "San Francisco",
        "product": "Laptop",
        "category": "Electronics",
        "quantity": 2,
        "price": 999.99,
        "currency": "USD",
        "channel": "web",
        "payment_method": "card",
        "timestamp": "2026-11-27T10:00:00.123Z",
    }
    event.update(changes)
    return event


def bronze(spark, payloads: list[bytes], partition: int = 0):
    rows = [(None, p, "orders", partition, i, INGESTED) for i, p in enumerate(payloads)]
    return spark.createDataFrame(rows, BRONZE)


def encode(event: dict) -> bytes:
    return json.dumps(event).encode()


def without(field: str) -> bytes:
    event = order()
    del event[field]
    return encode(event)


CASES = [
    (b"\xff\xfe{}", Reason.NOT_UTF8),
    (b'{"order_id": "abc", "state":', Reason.NOT_JSON),
    (b"[1, 2, 3]", Reason.NOT_JSON),
    (b'{"price": NaN}', Reason.NOT_JSON),
    (without("city"), Reason.MISSING_FIELD),
    (encode(order(customer_id=None)), Reason.MISSING_FIELD),
    (encode(order(quantity="2")), Reason.WRONG_TYPE),
    (encode(order(quantity=2.5)), Reason.WRONG_TYPE),
    (encode(order(price="9.99")), Reason.WRONG_TYPE),
    (encode(order(state=6)), Reason.WRONG_TYPE),
    (encode(order(product=123)), Reason.WRONG_TYPE),
    (encode(order(product=True)), Reason.WRONG_TYPE),
    (encode(order(category={"name": "Electronics"})), Reason.WRONG_TYPE),
    (encode(order(customer_id=["cust-00042"])), Reason.WRONG_TYPE),
    (encode(order(timestamp=2026)), Reason.WRONG_TYPE),
    (encode(order(quantity=True)), Reason.WRONG_TYPE),
    (encode(order(price="NaN")), Reason.WRONG_TYPE),
    (encode(order(schema_version="1")), Reason.WRONG_TYPE),
    (b"{'order_id': 'single quotes'}", Reason.NOT_JSON),
    (json.dumps(order()).replace(": 2,", ": 02,").encode(), Reason.NOT_JSON),
    (encode(order(schema_version=2)), Reason.UNSUPPORTED_VERSION),
    (encode(order(order_id="not-a-uuid")), Reason.BAD_ORDER_ID),
    (encode(order(quantity=0)), Reason.BAD_QUANTITY),
    (encode(order(quantity=-3)), Reason.BAD_QUANTITY),
    (encode(order(quantity=10**12)), Reason.BAD_QUANTITY),
    (encode(order(quantity=10**30)), Reason.BAD_QUANTITY),
    (encode(order(price=0)), Reason.BAD_PRICE),
    (encode(order(price=-5.0)), Reason.BAD_PRICE),
    (json.dumps(order(price=1.5)).replace("1.5", "1e999").encode(), Reason.BAD_PRICE),
    (json.dumps(order(price=1.5)).replace("1.5", "-1e999").encode(), Reason.BAD_PRICE),
    (encode(order(quantity=2_000_000_000, price=9_999_999_999.99)), Reason.BAD_REVENUE),
    (encode(order(currency="EUR")), Reason.BAD_VALUE),
    (encode(order(channel="fax")), Reason.BAD_VALUE),
    (encode(order(product="Lap\x00top")), Reason.BAD_VALUE),  # escaped: \u0000
    (encode(order(category="Elec\ntronics")), Reason.BAD_VALUE),
    (encode(order(customer_id="cust-\x1b[31m")), Reason.BAD_VALUE),
    (encode(order(state="ZZ")), Reason.UNKNOWN_STATE),
    (encode(order(city="Boston")), Reason.CITY_NOT_IN_STATE),
    (encode(order(timestamp="yesterday")), Reason.BAD_TIMESTAMP),
    (encode(order(timestamp="2026-13-45T10:00:00Z")), Reason.BAD_TIMESTAMP),
    (encode(order(timestamp="2026-11-27")), Reason.BAD_TIMESTAMP),  # no time: no instant
    (encode(order(timestamp="2026-11-27T10:00:00")), Reason.BAD_TIMESTAMP),  # no zone
    (encode(order(timestamp="2026-11-27 10:00:00Z")), Reason.BAD_TIMESTAMP),
    (encode(order(timestamp="2026-11-30T10:00:00Z")), Reason.FUTURE_TIMESTAMP),
    # Plausible event times, whatever the watermark: a fresh lake has none.
    (encode(order(timestamp="0000-01-01T00:00:00Z")), Reason.TIMESTAMP_OUT_OF_RANGE),
    (encode(order(timestamp="0001-01-01T00:00:00Z")), Reason.TIMESTAMP_OUT_OF_RANGE),
    (encode(order(timestamp="1999-12-31T23:59:59.999Z")), Reason.TIMESTAMP_OUT_OF_RANGE),
    (encode(order(timestamp="9999-12-31T23:59:59Z")), Reason.FUTURE_TIMESTAMP),
    # One record, one JSON object: nothing may follow it.
    (encode(order()) + encode(order()), Reason.NOT_JSON),
    (encode(order()) + b" xyz", Reason.NOT_JSON),
    (encode(order()) + b"}", Reason.NOT_JSON),
    (encode(order()) + b"]", Reason.NOT_JSON),
    (encode(order()) + b'],{"a": 1}', Reason.NOT_JSON),
    (encode(order(order_id=str(uuid.uuid4()) + "\n")), Reason.BAD_ORDER_ID),
    (encode(order(category={"a": {"b": {"c": [1, [2, {"d": 3}]]}}})), Reason.WRONG_TYPE),
    (b'{"order_id": ' + b"[" * 3000 + b"]" * 3000 + b"}", Reason.NOT_JSON),
    # Spark's JSON reader is lenient where JSON is not; every leniency is refused.
    (b'{/* comment */ "order_id": "x"}', Reason.NOT_JSON),
    (json.dumps(order()).replace('"state"', "state").encode(), Reason.NOT_JSON),
    (json.dumps(order(price=1.5)).replace("1.5", "Infinity").encode(), Reason.NOT_JSON),
    (json.dumps(order(product="Lap\x01top")).replace("\\u0001", "\x01").encode(), Reason.NOT_JSON),
    (json.dumps(order()).replace("cust-00042", "cust-\\q00042").encode(), Reason.NOT_JSON),
    (b"\xef\xbb\xbf" + encode(order()), Reason.NOT_JSON),  # a byte-order mark
    (b"", Reason.NOT_JSON),
    (None, Reason.NOT_JSON),  # a Kafka tombstone: a key and no value
]


def test_each_bad_record_gets_its_reason(spark):
    parsed = parse_orders(bronze(spark, [payload for payload, _ in CASES])).orderBy("offset")
    reasons = [row["reason"] for row in parsed.select("reason").collect()]
    assert reasons == [reason.value for _, reason in CASES]


def test_the_ceiling_holds_when_the_kafka_timestamp_is_as_far_off_as_the_event(spark):
    """A producer sets its own Kafka timestamps: the clock-skew check alone would let 9999 in."""
    far = datetime(9999, 12, 31, 23, 0)
    rows = [
        (None, encode(order(timestamp=ts)), "orders", 0, i, far)
        for i, ts in enumerate(["2100-01-01T00:00:00Z", "9999-12-31T22:59:59Z"])
    ]
    parsed = parse_orders(spark.createDataFrame(rows, BRONZE)).orderBy("offset")
    rows = parsed.select("reason", "detail").collect()
    assert [r["reason"] for r in rows] == [Reason.TIMESTAMP_OUT_OF_RANGE.value] * 2
    assert rows[0]["detail"] == (
        "2100-01-01T00:00:00Z is outside [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z)"
    )


def test_a_closing_brace_inside_a_string_or_whitespace_after_the_object_is_fine(spark):
    payloads = [
        encode(order(timestamp="2026-11-27T15:30:00+0530")),  # an offset without a colon
        json.dumps(order(product="Café Table"), ensure_ascii=False).encode(),  # bytes != chars
        encode(order(customer_id="cust-}42")),
        encode(order()) + b"  \n",
        encode(order(customer_id="a} b")) + b"\t",
    ]
    parsed = parse_orders(bronze(spark, payloads))
    assert [r["reason"] for r in parsed.collect()] == [None] * 5


def test_text_after_the_object_is_named_in_the_detail(spark):
    parsed = parse_orders(bronze(spark, [encode(order()) + b' {"order_id": "other"}']))
    (row,) = parsed.collect()
    assert row["reason"] == Reason.NOT_JSON.value
    payload = encode(order()) + b' {"order_id": "other"}'
    assert (
        row["detail"] == f"more than one JSON value; the record ends with: {payload[-40:].decode()}"
    )


def test_text_after_an_object_with_multi_byte_characters_is_found(spark):
    whole = json.dumps(order(product="Café Table"), ensure_ascii=False).encode()
    parsed = parse_orders(bronze(spark, [whole + b"}", whole + b" \xc3\xa9", whole]))
    assert [r["reason"] for r in parsed.collect()] == [
        Reason.NOT_JSON.value,
        Reason.NOT_JSON.value,
        None,
    ]


def test_valid_order_is_typed_and_normalized(spark):
    payload = encode(
        order(state=" ca ", city="  san   FRANCISCO ", channel="WEB", price=19.99, quantity=3)
    )
    row = parse_orders(bronze(spark, [payload])).first()
    assert row["reason"] is None
    assert (row["state"], row["city"], row["channel"]) == ("CA", "San Francisco", "web")
    assert str(row["price"]) == "19.99" and str(row["revenue"]) == "59.97"
    assert row["event_time"] == datetime(2026, 11, 27, 10, 0, 0, 123000)


def test_strings_that_read_like_other_json_values_are_still_strings(spark):
    """from_json cannot tell "123" from 123: such records take the VARIANT route, and pass."""
    payloads = [encode(order(product=text)) for text in ("123", "true", "[draft]", "-1e5")]
    rows = parse_orders(bronze(spark, payloads)).orderBy("offset").collect()
    assert [(r["reason"], r["product"]) for r in rows] == [
        (None, "123"),
        (None, "true"),
        (None, "[draft]"),
        (None, "-1e5"),
    ]


def test_a_duplicate_key_keeps_its_last_value(spark):
    """As JSON.parse and Python's json do; both of silver's readers agree on it."""
    valid = json.dumps(order())[:-1] + ', "product": "Tablet"}'
    invalid = json.dumps(order(quantity="2"))[:-1] + ', "product": "Tablet"}'
    rows = parse_orders(bronze(spark, [valid.encode(), invalid.encode()])).orderBy("offset")
    assert [(r["reason"], r["product"]) for r in rows.collect()] == [
        (None, "Tablet"),
        ("wrong_type", "Tablet"),
    ]


def test_missing_field_detail_names_the_fields(spark):
    row = parse_orders(bronze(spark, [without("price")])).first()
    assert (row["reason"], row["detail"]) == ("missing_field", "price")


def outcomes(frame) -> dict[int, tuple[str, str | None]]:
    return {r["offset"]: (r["outcome"], r["reason"]) for r in frame.collect()}


def test_duplicates_within_batch_keep_the_first_coordinate(spark):
    same = encode(order())
    parsed = parse_orders(bronze(spark, [same, encode(order()), same, same]))
    result = outcomes(classify(parsed, spark.createDataFrame([], "order_id string"), None))
    assert result == {
        0: (SILVER, None),
        1: (SILVER, None),
        2: (DUPLICATE, None),
        3: (DUPLICATE, None),
    }


def test_orders_already_in_silver_are_duplicates(spark):
    seen = order()
    parsed = parse_orders(bronze(spark, [encode(seen), encode(order())]))
    accepted = spark.createDataFrame([(seen["order_id"],)], "order_id string")
    result = outcomes(classify(parsed, accepted, None))
    assert result == {0: (DUPLICATE, None), 1: (SILVER, None)}


def test_events_older_than_the_watermark_are_quarantined_as_late(spark):
    on_time = order(timestamp="2026-11-27T10:00:00Z")
    late = order(timestamp="2026-11-27T09:40:00Z")
    parsed = parse_orders(bronze(spark, [encode(on_time), encode(late), b"{"]))
    watermark = datetime(2026, 11, 27, 9, 55)
    result = outcomes(classify(parsed, spark.createDataFrame([], "order_id string"), watermark))
    assert result == {
        0: (SILVER, None),
        1: (QUARANTINE, Reason.LATE.value),
        2: (QUARANTINE, Reason.NOT_JSON.value),
    }


def test_every_record_gets_exactly_one_outcome(spark):
    payloads = [p for p, _ in CASES] + [encode(order()) for _ in range(5)]
    payloads += payloads[-2:]
    parsed = parse_orders(bronze(spark, payloads))
    classified = classify(parsed, spark.createDataFrame([], "order_id string"), None)
    assert classified.count() == len(payloads)
    assert classified.select("offset").distinct().count() == len(payloads)


def test_a_moving_watermark_compiles_no_new_code(spark):
    """Each micro-batch has a new watermark; the parse stage (thousands of lines of Java) must
    not be compiled again for it, by Janino and then by the JIT."""
    parsed = parse_orders(bronze(spark, [encode(order()), encode(order()), b"{"]))
    none_accepted = spark.createDataFrame([], "order_id string")

    def classified(watermark: datetime) -> list:
        return classify(parsed, none_accepted, watermark).select("outcome", "reason").collect()

    first = classified(datetime(2026, 11, 27, 9, 55))
    before = compiled_classes(spark)
    later = classified(datetime(2026, 11, 27, 10, 0, 0, 500_000))
    assert compiled_classes(spark) == before
    # The comparison still works: the first watermark passes both orders, the later one
    # (after their 10:00:00.123) makes them late.
    assert sorted(r["reason"] or "" for r in first) == ["", "", Reason.NOT_JSON.value]
    assert sorted(r["reason"] for r in later) == sorted(
        [Reason.LATE.value, Reason.LATE.value, Reason.NOT_JSON.value]
    )
