"""The erasure's phrase needles on an encrypted home: left out only where the scan could read the
same words in clear, so reading fewer tenants' text never weakens the proof (issue 23)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.synthetic_lakehouse import build
from transforms.compliance import needles as needle_lib
from transforms.compliance.scan import scan
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import QUARANTINE, TRANSCRIPTS

#: Six words no synthetic transcript holds, said by the erased caller and by others.
WITH_ACME = "the blue heron crossed windward bridge"
WITH_INITECH = "seven amber lanterns hung over quay"
WITH_GLOBEX = "my cousin repaired the tidal clock"
ONLY_THEIRS = "a silver kestrel nested under eaves"


@pytest.fixture
def home(tmp_path) -> tuple[Settings, Lakehouse, str]:
    """acme, globex and initech encrypted; one globex call (the erased one) says four phrases:
    one also in an acme call (encrypted), one in an initech call stored in clear (written before
    encryption), one in another globex call, one nowhere else."""
    settings = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_KEYS": str(tmp_path / "keys")})
    build(settings, ["acme", "globex", "initech"], calls_per_tenant=4, encrypt=True)
    lh = Lakehouse.from_settings(settings)
    rows = lh.read(TRANSCRIPTS, decrypt=True).sort("call_uid")
    erased = rows.filter(pl.col("tenant_id") == "globex")["call_uid"][0]

    def said(tenant: str, nth: int, *phrases: str, only: bool = False) -> pl.DataFrame:
        row = rows.filter(pl.col("tenant_id") == tenant)[nth]
        lines = "".join(f"[customer] Well {p} you see.\n" for p in phrases)
        return row.with_columns(
            (pl.lit(lines) if only else pl.col("text") + pl.lit(lines)).alias("text")
        )

    # the erased call says only these (two phrases per call are kept, the first fresh ones)
    erased_row = said("globex", 0, WITH_INITECH, WITH_GLOBEX, WITH_ACME, ONLY_THEIRS, only=True)
    encrypted = pl.concat([erased_row, said("globex", 1, WITH_GLOBEX), said("acme", 0, WITH_ACME)])
    lh.merge(TRANSCRIPTS, encrypted.to_arrow(), update=True)
    clear = Lakehouse(settings.lakehouse)  # no cipher: a value written before encryption
    clear.merge(TRANSCRIPTS, said("initech", 0, WITH_INITECH).to_arrow(), update=True)
    return settings, lh, erased


def phrases_for(lh: Lakehouse, erased: str, tenants: list[str] | None) -> set[str]:
    kept = needle_lib.kept_after(lh, {erased}, {erased}, lh.read(QUARANTINE).head(0), tenants)
    found = needle_lib.Needles()
    needle_lib.phrase_needles(found, lh, {erased}, kept)
    return {v for v, kind in found.values.items() if kind == "phrase"}


def test_the_stored_values_are_as_the_fixture_says(home):
    _, lh, _ = home
    stored = lh.read(TRANSCRIPTS, columns=["tenant_id", "text"])
    by_tenant = {t: "".join(g["text"].to_list()) for (t,), g in stored.group_by("tenant_id")}
    assert WITH_INITECH in by_tenant["initech"]  # in clear
    assert WITH_ACME not in by_tenant["acme"] and WITH_GLOBEX not in by_tenant["globex"]


def test_a_phrase_another_tenant_holds_encrypted_becomes_a_needle(home):
    _, lh, erased = home
    narrowed = phrases_for(lh, erased, ["globex"])
    everyone = phrases_for(lh, erased, None)
    # the erased tenant's kept text and any tenant's clear text still keep a phrase out
    assert WITH_GLOBEX not in narrowed and WITH_INITECH not in narrowed
    assert WITH_ACME in narrowed and WITH_ACME not in everyone
    # never fewer needles than reading every tenant's text decrypted
    assert everyone <= narrowed


def test_the_extra_needle_gives_no_false_alarm_and_catches_a_clear_copy(home):
    settings, lh, erased = home
    assert WITH_ACME in phrases_for(lh, erased, ["globex"])
    others = {WITH_ACME: "phrase"}
    # acme's files hold the phrase encrypted: no file of the home shows it
    assert scan([Path(settings.home)], others).passed
    # a clear copy of the erased caller's words (an export, a pasted note) is found by it
    leak = Path(settings.home) / "exports" / "globex" / "note.txt"
    leak.parent.mkdir(parents=True, exist_ok=True)
    leak.write_text(f"caller said: {WITH_ACME}\n")
    assert not scan([Path(settings.home)], others).passed
