"""metadata.settings.dump_for_pulumi: strings Pulumi's Go YAML would read as numbers are quoted;
everything else is written as yaml.safe_dump writes it."""

from __future__ import annotations

import yaml

from metadata.settings import dump_for_pulumi

NUMBER_LIKE = ["08", "09", "1e3", "0o17", "0x1F", "+1", "-2.5", "1_000", ".5", "007", ".inf"]
PLAIN = ["rows/08", "main", "v1.2.3", "08a", "prod.finance", "1-2"]


def test_number_like_strings_are_quoted_and_read_back_as_strings() -> None:
    data = {"folders": {name: [f"rows/{name}"] for name in NUMBER_LIKE}, "n": 8, "f": 1.5}
    text = dump_for_pulumi(data, sort_keys=False)
    for name in NUMBER_LIKE:
        assert f"\n  '{name}':\n" in text, text
    assert "\nn: 8\nf: 1.5\n" in text  # numbers stay numbers
    assert yaml.safe_load(text) == data


def test_other_strings_are_written_as_safe_dump_writes_them() -> None:
    data = {"values": PLAIN, "yes": "yes", "empty": ""}
    assert dump_for_pulumi(data) == yaml.safe_dump(data)
