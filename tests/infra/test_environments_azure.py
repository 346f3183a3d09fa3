import pytest

from environments import ConfigError, load_environment, parse_environment
from infra.app import with_instance


def write(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    return path


BASE = """
name: x
kafka: {security_protocol: SASL_SSL, connection_string_env: EVENTHUB_CONNECTION_STRING}
pipeline: {}
azure:
  owner: me
  cost_center: cc
  throwaway: false
"""


def test_private_networking_needs_a_classic_warehouse(tmp_path):
    text = BASE + "  private_networking: true\n  key_vault: {secrets_expire_on: 2027-01-01}\n"
    with pytest.raises(ConfigError, match="warehouse_serverless"):
        parse_environment(write(tmp_path, text))


def test_secrets_need_an_expiry_date(tmp_path):
    with pytest.raises(ConfigError, match="key_vault.secrets_expire_on"):
        parse_environment(write(tmp_path, BASE))


def test_address_space_is_checked(tmp_path):
    text = BASE + "  key_vault: {secrets_expire_on: 2027-01-01}\n  network: {address_space: nope}\n"
    with pytest.raises(ConfigError, match="azure.network.address_space"):
        parse_environment(write(tmp_path, text))


def test_instance_override_is_validated_and_only_for_throwaway():
    with pytest.raises(ConfigError, match="INSTANCE"):
        with_instance(load_environment("dev"), "Bad!")
    with pytest.raises(ConfigError, match="not throwaway"):
        with_instance(load_environment("prod"), "copy")
    assert with_instance(load_environment("dev"), "bob").deployment_name == "devbob"
