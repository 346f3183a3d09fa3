import re

import pytest

from environments import load_environment, with_instance
from infra.app import azure_environments
from infra.naming import RULES, Names, suffix, violations


@pytest.mark.parametrize("name", azure_environments())
def test_every_environment_has_valid_names(name):
    assert violations(Names.of(load_environment(name))) == []


def test_longest_possible_config_still_obeys_azure_rules():
    names = Names(app="a" * 10, deployment="b" * 12 + "c" * 8, suffix=suffix("x", "y", "z"))
    assert violations(names) == []
    assert len(names.storage_account) <= 24 and len(names.key_vault) <= 24


def test_suffix_is_stable_and_differs_per_copy():
    dev = load_environment("dev")
    # Pinned: a change here renames every global resource of every deployed copy.
    assert Names.of(dev).suffix == suffix("orders", "devdemo", "eastus2") == "e86236"
    assert Names.of(dev).storage_account == "stordersdevdemoe86236"
    assert suffix("orders", "devdemo", "westus") != "e86236"
    copy = with_instance(dev, "alice")
    assert Names.of(copy).storage_account != Names.of(dev).storage_account
    assert Names.of(copy).key_vault != Names.of(dev).key_vault


def test_rule_check_catches_a_bad_name():
    names = Names(app="orders", deployment="dev", suffix="ABC-XY")  # uppercase, hyphen
    assert any(v.startswith("storage_account") for v in violations(names))


def test_managed_resource_group_differs_from_the_workspace_group():
    names = Names.of(load_environment("dev"))
    assert names.databricks_managed_resource_group != names.resource_group
    assert re.match(RULES["resource_group"][0], names.databricks_managed_resource_group)
