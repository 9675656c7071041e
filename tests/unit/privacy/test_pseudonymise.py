import pytest

from transforms.core.keys import FileKeyStore
from transforms.privacy.pseudonymise import (
    PhoneNumberError,
    caller_key,
    e164,
    legacy_form,
    lookup_keys,
    pseudonym,
    written_forms,
)


@pytest.fixture
def store(tmp_path) -> FileKeyStore:
    store = FileKeyStore(tmp_path / "keys")
    store.create("acme-telecom")
    store.create("globex-energy")
    return store


def test_same_number_same_key_within_a_tenant_never_across(store):
    a1 = caller_key(store, "acme-telecom", "+33 6 39 98 01 23")
    a2 = caller_key(store, "acme-telecom", "+33639980123")
    b = caller_key(store, "globex-energy", "+33639980123")
    assert a1 == a2 and a1 != b and len(a1) == 64
    assert "639980123" not in a1
    assert caller_key(store, "acme-telecom", "") is None


@pytest.mark.parametrize(
    ("written", "region"),
    [
        ("07700 900123", "GB"),
        ("+44 7700 900123", "GB"),
        ("0044 7700 900123", "GB"),
        ("+44 (0)7700 900123", "GB"),
        ("+44 7700 900123", None),  # a country code needs no region
        ("+44 7700 900123", "FR"),  # nor does another region change it
        ("00 44 7700 900123", "FR"),
    ],
)
def test_one_number_in_any_form_is_one_key(store, written, region):
    assert caller_key(store, "globex-energy", written, region) == pseudonym(
        store, "globex-energy", "+447700900123"
    )
    assert e164(written, region) == "+447700900123"


@pytest.mark.parametrize(
    ("written", "region"),
    [("07700 900123", None), ("call me", "GB"), ("12", "GB"), ("+44 77", None)],
)
def test_a_number_that_does_not_parse_raises_without_quoting_it(store, written, region):
    with pytest.raises(PhoneNumberError) as err:
        caller_key(store, "globex-energy", written, region)
    assert written not in str(err.value) and "7700" not in str(err.value)


def test_a_national_number_is_read_in_the_tenants_region():
    assert e164("06 39 98 01 23", "FR") == "+33639980123"
    assert e164("07700 900123", "GB") == "+447700900123"
    with pytest.raises(PhoneNumberError):  # in France it is no number at all
        e164("07700 900123", "FR")


def test_lookups_try_the_e164_key_first_then_every_key_the_old_rule_gave(store):
    """The rule before E.164 keyed the number as written less punctuation: a lookup by number
    must still reach those rows, whichever way the old manifest wrote it."""
    found = lookup_keys(store, "globex-energy", "+44 7700 900123", "GB")
    assert found[0] == caller_key(store, "globex-energy", "07700900123", "GB")
    for old in ("07700 900123", "447700900123", "+44 (0)7700 900123", "7700 900123"):
        assert pseudonym(store, "globex-energy", legacy_form(old)) in found, old
    assert len(found) == len(set(found)) == 5
    assert lookup_keys(store, "globex-energy", "+44 7700 900124", "GB")[0] not in found


def test_the_residual_scan_looks_for_the_written_forms_of_the_number():
    forms = written_forms("07700 900123", "GB")
    assert {"+447700900123", "447700900123", "07700900123", "07700 900123"} <= forms
    assert {"+44 7700 900123", "00447700900123"} <= forms
