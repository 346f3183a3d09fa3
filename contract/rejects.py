"""Machine-readable reasons a record is quarantined by silver.

The simulator labels each bad record it injects with the reason silver must give it, so a
test can count rejects by reason without the pipeline's help.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    NOT_UTF8 = "not_utf8"  # payload bytes are not valid UTF-8
    NOT_JSON = "not_json"  # not parseable JSON (includes truncated records) or not an object
    MISSING_FIELD = "missing_field"  # a required field is absent or null
    WRONG_TYPE = "wrong_type"  # a field has the wrong JSON type
    UNSUPPORTED_VERSION = "unsupported_version"  # schema_version is not one we read
    BAD_ORDER_ID = "bad_order_id"  # order_id is not a UUID
    BAD_QUANTITY = "bad_quantity"  # quantity < 1
    BAD_PRICE = "bad_price"  # price <= 0, NaN or infinite
    BAD_REVENUE = "bad_revenue"  # quantity x price does not fit silver's money type
    BAD_VALUE = "bad_value"  # currency, channel or payment method outside the contract
    UNKNOWN_STATE = "unknown_state"  # not one of the 50 states + DC
    CITY_NOT_IN_STATE = "city_not_in_state"
    BAD_TIMESTAMP = "bad_timestamp"  # not an ISO-8601 instant
    # outside [EARLIEST_EVENT_TIME, LATEST_EVENT_TIME): not an online order's time, whatever
    # the watermark (a fresh lake has none) or the Kafka timestamp (a producer may set it)
    TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range"
    FUTURE_TIMESTAMP = "future_timestamp"  # more than the allowed clock skew ahead of ingestion
    LATE = "late"  # older than the newest event seen minus the allowed lateness


# How far ahead of its ingestion time an event may claim to be (producer clock skew).
MAX_CLOCK_SKEW_SECONDS = 300
# The instants an order's timestamp may name, independent of any other record. The floor is
# before any order this platform will see and after everything that breaks a reader: Python's
# datetime starts at year 1, pyarrow's nanosecond timestamps (how delta-rs reads Spark's INT96)
# span 1677-2262, Power BI's dates start at 1900. The ceiling bounds what a producer-set Kafka
# timestamp could let through the clock-skew check; both are far inside every reader's range.
EARLIEST_EVENT_TIME = "2000-01-01T00:00:00Z"
LATEST_EVENT_TIME = "2100-01-01T00:00:00Z"
