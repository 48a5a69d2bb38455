"""Command-line options over the config file's section: a value given on the command line always wins."""

from __future__ import annotations

from dlscan.operations.config import AdCollectConfig, M365CollectConfig
from dlscan.sources.collect_settings import graph_settings, ldap_settings, merged_options


def test_zero_given_on_the_command_line_is_not_taken_for_not_given():
    config = AdCollectConfig(servers=("ldaps://dc1.corp.example",), kerberos=True, retries=3, timeout=30.0)
    settings = ldap_settings(merged_options({"retries": 0, "timeout": None}, config))
    assert settings.retries == 0 and settings.timeout == 30.0


def test_zero_retries_reach_graph_settings_too(monkeypatch):
    monkeypatch.setenv("TOKEN", "t")
    config = M365CollectConfig(tenant_id="t", client_id="c", access_token_env="TOKEN", retries=4, concurrency=8)
    settings = graph_settings(merged_options({"retries": 0, "concurrency": None}, config))
    assert settings.retries == 0 and settings.concurrency == 8


def test_options_left_off_fall_back_to_the_config():
    config = AdCollectConfig(servers=("ldaps://dc1.corp.example",), kerberos=True, starttls=True)
    value = merged_options({"servers": (), "starttls": False, "base_dn": None}, config)
    assert value("servers") == ("ldaps://dc1.corp.example",) and value("starttls") is True
