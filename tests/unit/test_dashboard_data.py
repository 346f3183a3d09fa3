"""The dashboard's data functions: Arrow tables in, the page's JSON out."""

from __future__ import annotations

import shutil
import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from deltalake import DeltaTable
from typer.testing import CliRunner

import dashboard
from contract.arrow import arrow_schema
from contract.geography import STATES
from contract.tables import GOLD, GOLD_KEY, QUARANTINE, TABLES, Column
from dashboard import __main__ as cli
from dashboard import summary
from dashboard.lake import Lake
from dashboard.sample import (
    GOLD_SCHEMA,
    gold_rows,
    quarantine_rows,
    write_gold,
    write_table,
)
from environments import ConfigError

T0 = datetime(2025, 6, 2, 23, 30, tzinfo=UTC)
NO_HEALTH = summary.Health(layer_rows={}, quarantine_reasons=None, gold_version=None)


def row(minute: int, state: str, product: str, orders: int, revenue: str, units: int = 0) -> dict:
    return {
        "window_start": T0 + timedelta(minutes=minute),
        "state": state,
        "product": product,
        "orders": orders,
        "units": units or orders,
        "revenue": revenue,
    }


def test_fixture_schema_is_derived_from_the_contract():
    assert GOLD_SCHEMA.names == TABLES[GOLD].column_names
    assert GOLD_SCHEMA.field("revenue").type == pa.decimal128(38, 2)
    assert GOLD_SCHEMA.field("avg_order_value").type == pa.decimal128(18, 2)
    assert GOLD_SCHEMA.field("window_date").type == pa.date32()
    with pytest.raises(ValueError, match="no Arrow type"):
        arrow_schema([Column("x", "INTERVAL")])


def test_totals_top_products_and_states_cover_the_newest_day_only():
    gold = gold_rows(
        [
            row(0, "CA", "Laptop", 2, "1999.98"),
            row(1, "TX", "Laptop", 1, "999.99"),
            row(1, "TX", "Vitamins", 3, "30.00"),
            # The next day begins at minute 30: only these rows count as "today".
            row(30, "NY", "Vitamins", 4, "40.00", units=8),
            row(31, "CA", "Shampoo", 1, "5.50"),
        ]
    )
    answer = summary.summarize(gold, NO_HEALTH)

    assert answer["status"] == "ok"
    assert answer["day"] == "2025-06-03"
    assert answer["latest_minute"] == "2025-06-03T00:01:00Z"
    assert answer["today"] == {"revenue": 45.5, "orders": 5, "units": 9, "avg_order_value": 9.1}
    assert [p["product"] for p in answer["products"]] == ["Vitamins", "Shampoo"]
    revenue = {s["code"]: s["revenue"] for s in answer["states"]}
    assert revenue["NY"] == 40.0 and revenue["CA"] == 5.5 and revenue["TX"] == 0.0
    assert answer["states"][0]["code"] == "NY"


def test_the_chart_has_sixty_minutes_ending_at_the_newest_one_with_gaps_as_zero():
    gold = gold_rows([row(0, "CA", "Laptop", 1, "10.00"), row(31, "CA", "Laptop", 2, "20.00")])
    series = summary.summarize(gold, NO_HEALTH)["per_minute"]
    assert len(series) == 60
    assert series[-1] == {"minute": "2025-06-03T00:01:00Z", "revenue": 20.0, "orders": 2}
    assert series[-32] == {"minute": "2025-06-02T23:30:00Z", "revenue": 10.0, "orders": 1}
    assert sum(p["orders"] for p in series) == 3


def test_money_is_summed_exactly():
    gold = gold_rows([row(i, "CA", "T-Shirt", 1, "0.10") for i in range(30)])
    assert summary.summarize(gold, NO_HEALTH)["today"]["revenue"] == 3.0


def test_every_state_and_dc_has_a_tile_of_its_own():
    assert set(summary.TILE_GRID) == set(STATES)
    assert len(set(summary.TILE_GRID.values())) == len(STATES)
    states = summary.by_state(gold_rows([]))
    assert len(states) == 51 and all(s["revenue"] == 0 for s in states)


def test_quarantine_is_counted_by_reason():
    reasons = quarantine_rows({"not_json": 2, "late": 5}, T0).select(["reason"])
    assert summary.quarantine_by_reason(reasons) == [
        {"reason": "late", "rows": 5},
        {"reason": "not_json", "rows": 2},
    ]
    assert summary.quarantine_by_reason(None) == []


def test_an_empty_gold_table_says_so():
    answer = summary.summarize(gold_rows([]), NO_HEALTH)
    assert answer["status"] == "empty"
    assert "No gold data yet" in answer["message"]


def test_idle_when_gold_has_not_changed_for_a_while():
    answer = summary.empty("nothing", NO_HEALTH)
    assert summary.with_clock(answer, None, T0)["health"]["idle"] is True
    assert summary.with_clock(answer, T0, T0 + timedelta(seconds=5))["health"]["idle"] is False
    assert summary.with_clock(answer, T0, T0 + timedelta(minutes=10))["health"]["idle"] is True


def test_a_lake_without_tables_is_an_empty_state(tmp_path):
    answer = Lake(tmp_path).summary()
    assert answer["status"] == "empty"
    assert "does not exist" in answer["message"] and "make demo" in answer["message"]
    assert all(layer["rows"] is None for layer in answer["health"]["layers"])


def test_the_lake_reads_gold_and_quarantine_and_rereads_only_after_a_commit(tmp_path):
    write_gold(tmp_path / GOLD, gold_rows([row(0, "CA", "Laptop", 1, "10.00")]))
    lake = Lake(tmp_path)
    first = lake.summary()
    assert first["today"]["revenue"] == 10.0
    # No new commit: the same computed answer is served again, not recomputed.
    assert lake.summary()["today"] is first["today"]

    write_gold(tmp_path / GOLD, gold_rows([row(1, "WY", "Laptop", 2, "20.00")]))
    write_table(tmp_path / QUARANTINE, quarantine_rows({"unknown_state": 3}, T0))
    second = lake.summary()
    assert second["today"]["orders"] == 3
    assert second["health"]["gold_version"] == 1
    layers = {layer["table"]: layer["rows"] for layer in second["health"]["layers"]}
    assert layers[GOLD] == 2 and layers[QUARANTINE] == 3
    assert second["health"]["quarantine"] == [{"reason": "unknown_state", "rows": 3}]


def test_the_last_hour_may_reach_into_the_previous_day(tmp_path):
    write_gold(
        tmp_path / GOLD,
        gold_rows([row(0, "CA", "Laptop", 1, "10.00"), row(31, "CA", "Laptop", 1, "5.00")]),
    )
    answer = Lake(tmp_path).summary()
    assert answer["today"]["revenue"] == 5.0
    assert answer["last_hour"]["revenue"] == 15.0


def test_url_and_port():
    assert dashboard.url(9001) == "http://127.0.0.1:9001/"
    assert dashboard.port_from_environment("") == dashboard.DEFAULT_PORT
    assert dashboard.port_from_environment("8123") == 8123
    with pytest.raises(ConfigError, match="PORT"):
        dashboard.port_from_environment("80a")
    with pytest.raises(ConfigError, match="PORT"):
        dashboard.port_from_environment("70000")


def test_decimal_revenue_survives_the_fixture_writer():
    table = gold_rows([row(0, "CA", "Laptop", 3, "100.01")])
    assert table["revenue"][0].as_py() == Decimal("100.01")
    assert table["avg_order_value"][0].as_py() == Decimal("33.34")


def test_a_merge_in_place_shows_on_the_next_refresh(tmp_path):
    write_gold(tmp_path / GOLD, gold_rows([row(0, "CA", "Laptop", 1, "10.00")]))
    lake = Lake(tmp_path)
    assert lake.summary()["today"]["orders"] == 1
    filling = gold_rows([row(0, "CA", "Laptop", 3, "30.00"), row(0, "TX", "Laptop", 1, "5.00")])
    keys = " AND ".join(f"t.{k} = s.{k}" for k in GOLD_KEY)
    (
        DeltaTable(str(tmp_path / GOLD))
        .merge(filling, keys, source_alias="s", target_alias="t")
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute()
    )
    answer = lake.summary()
    assert answer["today"] == {"revenue": 35.0, "orders": 4, "units": 4, "avg_order_value": 8.75}
    assert {layer["table"]: layer["rows"] for layer in answer["health"]["layers"]}[GOLD] == 2


def test_a_table_deleted_and_created_again_is_read_afresh(tmp_path):
    write_gold(tmp_path / GOLD, gold_rows([row(0, "CA", "Laptop", 1, "10.00")]))
    write_gold(tmp_path / GOLD, gold_rows([row(1, "CA", "Laptop", 1, "10.00")]))
    lake = Lake(tmp_path)
    assert lake.summary()["today"]["orders"] == 2
    shutil.rmtree(tmp_path / GOLD)
    assert lake.summary()["status"] == "empty"
    write_gold(tmp_path / GOLD, gold_rows([row(0, "NY", "Vitamins", 7, "70.00")]))
    write_gold(tmp_path / GOLD, gold_rows([row(1, "NY", "Vitamins", 1, "10.00")]))
    assert lake.summary()["today"]["orders"] == 8
    # Again, with no refresh in between: same version number, different table.
    shutil.rmtree(tmp_path / GOLD)
    write_gold(tmp_path / GOLD, gold_rows([row(0, "WY", "Vitamins", 5, "50.00")]))
    write_gold(tmp_path / GOLD, gold_rows([row(1, "WY", "Vitamins", 1, "10.00")]))
    assert lake.summary()["today"]["orders"] == 6


def test_the_command_line_rejects_bad_input_with_exit_code_2(tmp_path, monkeypatch):
    runner = CliRunner()
    result = runner.invoke(cli.app, ["--env", "nope"])
    assert result.exit_code == 2 and "unknown environment 'nope'" in result.output
    monkeypatch.setenv("PORT", "eighty")
    result = runner.invoke(cli.app, ["--lake-root", str(tmp_path)])
    assert result.exit_code == 2 and "PORT" in result.output
    monkeypatch.delenv("PORT")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = runner.invoke(cli.app, ["--lake-root", str(tmp_path), "--port", port])
    assert result.exit_code == 2 and "cannot listen" in result.output
