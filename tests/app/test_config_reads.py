"""app/ui/config_reads.py: Streamlit's options read without its lock give what Streamlit's own read gives, see
set_option at once, still refuse unknown keys, and do not wait for a thread that holds the lock."""

from __future__ import annotations

import threading

import pytest
from streamlit import config

from app.ui import config_reads


def finishes(call, timeout: float) -> bool:
    done = threading.Event()
    threading.Thread(target=lambda: (call(), done.set()), daemon=True).start()
    return done.wait(timeout)


def test_every_option_reads_the_same_as_streamlits_own_read():
    config.get_config_options()
    for key in config._config_options:
        assert config_reads.get_option(key) == config_reads._locked_get_option(key), key


def test_a_set_option_is_seen_at_once_and_an_unknown_key_is_refused():
    before = config_reads.get_option("client.showErrorDetails")
    try:
        config.set_option("client.showErrorDetails", "none")
        assert config_reads.get_option("client.showErrorDetails") == "none"
    finally:
        config.set_option("client.showErrorDetails", before)
    with pytest.raises(RuntimeError, match="not defined"):
        config_reads.get_option("no.suchOption")


def test_a_read_does_not_wait_for_a_thread_holding_the_config_lock():
    config.get_config_options()
    holding, release = threading.Event(), threading.Event()

    def hold():
        with config._config_lock:
            holding.set()
            release.wait(10)

    threading.Thread(target=hold, daemon=True).start()
    holding.wait(5)
    try:
        assert not finishes(lambda: config_reads._locked_get_option("server.port"), 0.3), "Streamlit's read waits"
        assert finishes(lambda: config_reads.get_option("server.port"), 5), "this one does not"
    finally:
        release.set()


def test_install_puts_it_where_streamlit_looks_it_up(monkeypatch):
    monkeypatch.setattr(config, "get_option", config_reads._locked_get_option)
    config_reads.install()
    assert config.get_option is config_reads.get_option
