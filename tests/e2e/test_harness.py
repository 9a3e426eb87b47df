"""The harness writes stack config in place of `pulumi config set`: the same values it would."""

from __future__ import annotations

import pytest

from tests.e2e.harness import set_config


def test_a_plain_key_is_set_as_a_string_beside_the_others() -> None:
    config = {"databricks:host": "http://127.0.0.1:1"}
    set_config(config, "t:timeout", "900", path=False)
    set_config(config, "t:a.b", "x", path=False)  # without path, a dot is part of the key
    assert config == {"databricks:host": "http://127.0.0.1:1", "t:timeout": "900", "t:a.b": "x"}


def test_a_path_replaces_a_list_item_and_appends_one_creating_the_list() -> None:
    config = {"lakeform:settings": {"metadata_paths": ["resources"], "tags": {"a": "b"}}}
    set_config(config, "lakeform:settings.metadata_paths[0]", "nowhere", path=True)
    set_config(config, "lakeform:settings.release[0]", "jobs.x", path=True)
    set_config(config, "lakeform:settings.release[1]", "jobs.y", path=True)
    set_config(config, "lakeform:settings.tags.c", "d", path=True)
    assert config == {
        "lakeform:settings": {
            "metadata_paths": ["nowhere"],
            "tags": {"a": "b", "c": "d"},
            "release": ["jobs.x", "jobs.y"],
        }
    }


@pytest.mark.parametrize("key", ["a..b", "a[x]", ""])
def test_a_malformed_path_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a config path"):
        set_config({}, key, "v", path=True)
