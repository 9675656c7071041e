"""The tenant registry's phone_region: validated, errors naming the field, never the value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from transforms.core.tenants import load_tenants


def registry(tmp_path: Path, **fields) -> Path:
    entry = {"display_name": "ACME", "languages": ["fr"], "scorecard": "standard", **fields}
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump({"tenants": {"acme": entry}}))
    return path


def test_the_demo_tenants_read_their_callers_numbers_in_their_country():
    tenants = load_tenants(Path("config/tenants.yaml"))
    assert tenants["acme-telecom"].phone_region == "FR"
    assert tenants["globex-energy"].phone_region == "GB"


def test_unset_means_only_numbers_with_a_country_code(tmp_path):
    assert load_tenants(registry(tmp_path))["acme"].phone_region is None


@pytest.mark.parametrize("value", ["gb", "UK", "Great Britain", "XX", 44, ["GB"]])
def test_a_region_phonenumbers_does_not_know_is_refused_naming_the_field(tmp_path, value):
    path = registry(tmp_path, phone_region=value)
    with pytest.raises(ValueError) as caught:
        load_tenants(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: tenants.acme.phone_region must be"), message
    assert str(value) not in message[len(str(path)) :].replace("GB, FR, US", "")
