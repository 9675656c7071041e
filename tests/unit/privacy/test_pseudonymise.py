import stat

from transforms.privacy.pseudonymise import FileKeyStore, caller_key


def test_same_number_same_key_within_a_tenant_never_across(tmp_path):
    store = FileKeyStore(tmp_path / "keys")
    a1 = caller_key(store, "acme-telecom", "+33 6 39 98 01 23")
    a2 = caller_key(store, "acme-telecom", "+33639980123")
    b = caller_key(store, "globex-energy", "+33639980123")
    assert a1 == a2 and a1 != b and len(a1) == 64
    assert "639980123" not in a1
    assert caller_key(store, "acme-telecom", "") is None


def test_key_files_are_private_and_shredding_changes_pseudonyms(tmp_path):
    store = FileKeyStore(tmp_path / "keys")
    before = caller_key(store, "acme-telecom", "+447700900123")
    key_file = tmp_path / "keys" / "acme-telecom.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    store.destroy("acme-telecom")
    assert caller_key(store, "acme-telecom", "+447700900123") != before
