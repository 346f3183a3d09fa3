import pytest

from environments import ConfigError, load_environment, parse_environment, with_instance


def write(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    return path


BASE = """
name: xy
kafka: {security_protocol: SASL_SSL, connection_string_env: EVENTHUB_CONNECTION_STRING}
pipeline: {}
observability: {alert_emails: [oncall@example.com]}
azure:
  owner: me
  cost_center: cc
  throwaway: false
  backend: {resource_group: rg-state, storage_account: ststate}
"""


def test_a_scheduled_runs_duration_warning_comes_before_its_timeout(tmp_path):
    text = BASE.replace(
        "[oncall@example.com]}", "[oncall@example.com], run_duration_seconds: 3600}"
    )
    text += "  key_vault: {secrets_expire_on: 2027-01-01}\n  databricks: {timeout_seconds: 3600}\n"
    with pytest.raises(ConfigError, match="run_duration_seconds"):
        parse_environment(write(tmp_path, text))
    parse_environment(
        write(tmp_path, text.replace("timeout_seconds: 3600", "timeout_seconds: 7200"))
    )


def test_private_networking_needs_a_classic_warehouse(tmp_path):
    text = BASE + (
        "  private_networking: true\n  key_vault: {secrets_expire_on: 2027-01-01}\n"
        "  network: {deployer_cidrs: [20.42.0.0/28]}\n"
    )
    with pytest.raises(ConfigError, match="warehouse_serverless"):
        parse_environment(write(tmp_path, text))


EXPIRING = "  key_vault: {secrets_expire_on: 2027-01-01}\n"
TELLS = "observability: {alert_emails: [oncall@example.com]}\n"
REMOTE_STATE = "  backend: {resource_group: rg-state, storage_account: ststate}\n"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (BASE, "key_vault.secrets_expire_on"),
        (BASE.replace(REMOTE_STATE, "") + EXPIRING, "azure: backend: an environment that is not"),
        (BASE.replace(TELLS, "") + EXPIRING, "observability.alert_emails"),
    ],
    ids=["secrets-expire", "remote-state-unless-throwaway", "somebody-is-told"],
)
def test_an_azure_environment_needs(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        parse_environment(write(tmp_path, text))


def test_private_networking_needs_the_deployer_address(tmp_path):
    text = BASE + "  private_networking: true\n  key_vault: {secrets_expire_on: 2027-01-01}\n"
    text += "  databricks: {warehouse_serverless: false}\n"
    with pytest.raises(ConfigError, match="private_networking needs network.deployer_cidrs"):
        parse_environment(write(tmp_path, text))
    bad = text + "  network: {deployer_cidrs: [not-an-ip]}\n"
    with pytest.raises(ConfigError, match="azure.network.deployer_cidrs: .*not-an-ip"):
        parse_environment(write(tmp_path, bad))


@pytest.mark.parametrize("minutes", [0, 5, 9, 31])
def test_warehouse_auto_stop_is_what_the_api_takes_and_our_cost_policy_allows(tmp_path, minutes):
    text = BASE + "  key_vault: {secrets_expire_on: 2027-01-01}\n"
    text += f"  databricks: {{warehouse_auto_stop_minutes: {minutes}}}\n"
    with pytest.raises(ConfigError, match="warehouse_auto_stop_minutes"):
        parse_environment(write(tmp_path, text))


def test_the_runtime_is_looked_up_unless_pinned_and_auth_is_entra_id_only(tmp_path):
    assert load_environment("dev").azure.databricks.spark_version is None
    text = BASE + "  key_vault: {secrets_expire_on: 2027-01-01}\n"
    with pytest.raises(ConfigError, match="databricks.auth_type"):
        parse_environment(write(tmp_path, text + "  databricks: {auth_type: pat}\n"))
    pinned = parse_environment(
        write(tmp_path, text + "  databricks: {spark_version: 18.x-scala2.13}\n")
    )
    assert pinned.azure.databricks.spark_version == "18.x-scala2.13"


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
