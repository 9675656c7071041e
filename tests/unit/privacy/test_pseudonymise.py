import pytest

from transforms.core.keys import FileKeyStore
from transforms.privacy.pseudonymise import caller_key


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
