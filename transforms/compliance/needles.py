"""What the residual scan looks for after an erasure: the erased identifiers, and text only the
erased calls contain.

Built before anything is deleted (afterwards the values are gone) and held in memory only: the
needles are the personal data being erased, so they are never written anywhere. An identifier
that kept data still holds legitimately (an agent's other calls, a caller's later call, a call
id another tenant also uses) is left out, or the scan would flag the data that was meant to
stay. Phrases are runs of words from the erased calls' transcripts that occur in no kept
transcript, review comment or scorecard definition that the scan could read in clear.

The scan never decrypts a stored text value: another tenant's encrypted transcripts and comments
are ciphertext in every file it reads, so a phrase they hold cannot be hit and need not be left
out. Only the erased tenants' kept text (their subject exports hold it in clear) and values any
tenant stored in clear (before ``ccr keys encrypt-existing``) are read for that, not every
tenant's text decrypted: at 50,000 calls that decryption was 2.9 s of a one-caller erasure
(issue 23). Leaving out fewer phrases only adds needles: the proof is never weaker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import polars as pl

from transforms.compliance.actions import ALL_TENANTS, Action, Plan, name_of
from transforms.core.crypto import VALUE_PREFIX
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import (
    CALLS,
    HUMAN_REVIEWS,
    QUARANTINE,
    SCORECARD_VERSIONS,
    TRANSCRIPTS,
    TableSpec,
)
from transforms.privacy.pseudonymise import written_forms

#: Words per phrase: long enough to be distinctive, short enough to sit inside one segment.
PHRASE_WORDS = 6
#: Phrases kept per erased call, from up to this many candidates spread over its transcript.
PHRASES_PER_CALL = 2
CANDIDATES_PER_CALL = 8
#: A tenant purge erases thousands of calls: a sample of phrases is proof enough.
MAX_PHRASES = 400
#: Identifier columns of bronze.calls and the needle kind each gives.
ID_KINDS = {"call_uid": "call_uid", "call_id": "call_id", "caller_key": "caller_key"}
_SPEAKER = re.compile(r"^\[[a-z]+\]\s*")


@dataclass
class Needles:
    """needle → kind (call_id, call_uid, caller_key, phone, agent_id, phrase)."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, found: Iterable[str | None], kept: Iterable[str | None] = ()) -> None:
        """Add the values of ``found`` that ``kept`` does not hold."""
        keep = {k for k in kept if k}
        for value in found:
            if value and value not in keep:
                self.values.setdefault(value, kind)

    def by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind in self.values.values():
            out[kind] = out.get(kind, 0) + 1
        return dict(sorted(out.items()))


def phone_forms(raw: str, region: str | None = None) -> set[str]:
    """A phone number as it may have been written: as given, E.164, digits only, national (read
    in the tenant's ``region`` when it has no country code)."""
    return written_forms(raw, region)


@dataclass(frozen=True)
class Kept:
    """Identifiers and text that stay after the erasure (all tenants)."""

    calls: pl.DataFrame
    quarantine_ids: dict[str, set[str]]
    reviewers: set[str]
    texts: pl.Series


def kept_after(
    lh: Lakehouse,
    gone_calls: set[str],
    gone_text: set[str],
    gone_quarantine: pl.DataFrame,
    tenants: Collection[str] | None = None,
) -> Kept:
    """What the lakehouse still holds once ``gone_calls`` (rows), the transcripts of
    ``gone_text`` and the quarantine rows ``gone_quarantine`` are erased: the identifiers and
    the text a needle must not be taken from. The text is the kept text of ``tenants`` (the
    erased ones) and every tenant's text stored in clear (``readable_text``); None: every
    tenant's, decrypted."""
    calls = lh.read(CALLS, columns=["call_uid", "call_id", "agent_id", "caller_key"])
    calls = calls.filter(~pl.col("call_uid").is_in(list(gone_calls)))
    quarantine = lh.read(QUARANTINE, columns=["quarantine_id", "call_id", "manifest_row"])
    quarantine = quarantine.join(
        gone_quarantine.select("quarantine_id"), on="quarantine_id", how="anti"
    )
    in_rows = _manifest_ids(quarantine["manifest_row"].drop_nulls().to_list())
    in_rows["call_id"] |= set(quarantine["call_id"].drop_nulls().to_list())
    reviews = lh.read(HUMAN_REVIEWS, columns=["call_uid", "reviewer_id"])
    reviews = reviews.filter(~pl.col("call_uid").is_in(list(gone_calls)))
    definitions = lh.read(SCORECARD_VERSIONS, columns=["definition"])["definition"]
    texts = pl.concat(
        [
            readable_text(lh, TRANSCRIPTS, "text", gone_text, tenants),
            readable_text(lh, HUMAN_REVIEWS, "comment", gone_calls, tenants),
            definitions,
            quarantine["manifest_row"],
        ]
    ).drop_nulls()
    return Kept(calls, in_rows, set(reviews["reviewer_id"].to_list()), texts)


def readable_text(
    lh: Lakehouse, spec: TableSpec, column: str, gone: set[str], tenants: Collection[str] | None
) -> pl.Series:
    """The encrypted text ``column`` of ``spec``'s rows whose call is not in ``gone``, as the
    residual scan could read it: decrypted for ``tenants`` (None: all), and of other tenants
    only the values stored in clear (the scan never decrypts a value)."""
    kept = ~pl.col("call_uid").is_in(list(gone))
    if tenants is None:
        return lh.read(spec, columns=["call_uid", column], decrypt=True).filter(kept)[column]
    theirs = sorted(tenants)
    decrypted = lh.read(
        spec, columns=["call_uid", column], where={"tenant_id": theirs}, decrypt=True
    )
    stored = lh.read(spec, columns=["call_uid", "tenant_id", column])
    in_clear = stored.filter(
        ~pl.col("tenant_id").is_in(theirs) & ~pl.col(column).str.starts_with(VALUE_PREFIX)
    )
    return pl.concat([decrypted.filter(kept)[column], in_clear.filter(kept)[column]])


def _manifest_ids(rows: list[str]) -> dict[str, set[str]]:
    """Identifiers inside quarantined manifest and review rows (kept JSON)."""
    out: dict[str, set[str]] = {"call_id": set(), "agent_id": set(), "caller_key": set()}
    for text in rows:
        row = json.loads(text)
        for kind in out:
            if row.get(kind):
                out[kind].add(str(row[kind]))
        if row.get("reviewer_id"):
            out["agent_id"].add(str(row["reviewer_id"]))
    return out


def identifier_needles(needles: Needles, erased: pl.DataFrame, kept: Kept) -> None:
    """The erased calls' ids, pseudonyms and agents, less what kept rows still hold."""
    for column, kind in ID_KINDS.items():
        held = set(kept.calls[column].drop_nulls().to_list())
        held |= kept.quarantine_ids.get(column, set())
        needles.add(kind, erased[column].to_list(), held)
    held = set(kept.calls["agent_id"].to_list()) | kept.quarantine_ids["agent_id"]
    needles.add("agent_id", erased["agent_id"].to_list(), held | kept.reviewers)


def erased_calls(lh: Lakehouse, call_uids: set[str]) -> pl.DataFrame:
    """The identifiers of the calls about to be erased, read while they exist."""
    columns = ["call_uid", "tenant_id", "call_id", "agent_id", "caller_key"]
    return lh.read(CALLS, columns=columns, where={"call_uid": sorted(call_uids)})


def phrase_needles(needles: Needles, lh: Lakehouse, gone_text: set[str], kept: Kept) -> None:
    """Runs of words from the erased transcripts that no kept text contains."""
    if not gone_text:
        return
    texts = lh.read(
        TRANSCRIPTS,
        columns=["call_uid", "text"],
        where={"call_uid": sorted(gone_text)},
        decrypt=True,
    )
    per_call = {uid: _candidates(text) for uid, text in texts.iter_rows()}
    pool = sorted({c for cands in per_call.values() for c in cands})
    if not pool:
        return
    # overlapping: a candidate inside another candidate's match in kept text must be seen too
    found = kept.texts.str.extract_many(pool, ascii_case_insensitive=True, overlapping=True)
    shared = {m.lower() for matches in found.to_list() for m in (matches or [])}
    chosen: list[str] = []
    for uid in sorted(per_call):
        fresh = [c for c in per_call[uid] if c.lower() not in shared]
        chosen += fresh[:PHRASES_PER_CALL]
    needles.add("phrase", chosen[:MAX_PHRASES])


def _candidates(text: str) -> list[str]:
    """Up to CANDIDATES_PER_CALL runs of PHRASE_WORDS words, each inside one segment's line."""
    runs = []
    for line in text.splitlines():
        words = _SPEAKER.sub("", line).split()
        if len(words) >= PHRASE_WORDS:
            middle = (len(words) - PHRASE_WORDS) // 2
            runs.append(" ".join(words[middle : middle + PHRASE_WORDS]))
    step = max(1, len(runs) // CANDIDATES_PER_CALL)
    return runs[::step][:CANDIDATES_PER_CALL]


def quarantine_rows(lh: Lakehouse, actions: Iterable[Action]) -> pl.DataFrame:
    """The bronze.quarantine rows ``actions`` delete (by id, or a purged tenant's all)."""
    rows = lh.read(QUARANTINE, columns=["quarantine_id", "tenant_id", "call_id"])
    ids: set[str] = set()
    tenants: set[str] = set()
    for a in actions:
        if a.table == name_of(QUARANTINE) and a.action == "delete_rows":
            (tenants if a.key_column == "tenant_id" else ids).update(a.keys)
    return rows.filter(
        pl.col("quarantine_id").is_in(list(ids)) | pl.col("tenant_id").is_in(list(tenants))
    )


def for_plan(lh: Lakehouse, plan: Plan) -> Needles:
    """What the scan looks for after a retention run: the ids of the calls whose rows go, the
    pseudonyms nulled at the end of the content period, the call ids of quarantined rows that
    go, and phrases of the transcripts that go; less what kept data holds."""
    work = plan.work()

    def calls_of(table: str, action: str) -> set[str]:
        found = {uid for a in work if a.table == table and a.action == action for uid in a.calls}
        purged = {uid for a in work if a.action == "purge_tenant" for uid in a.calls}
        return found | purged

    gone = calls_of(name_of(CALLS), "delete_rows")
    texts = calls_of(name_of(TRANSCRIPTS), "delete_rows")
    nulled = calls_of(name_of(CALLS), "null_columns") - gone
    gone_quarantine = quarantine_rows(lh, work)
    tenants = {a.tenant_id for a in work}
    kept = kept_after(lh, gone, texts, gone_quarantine, None if ALL_TENANTS in tenants else tenants)
    needles = Needles()
    identifier_needles(needles, erased_calls(lh, gone), kept)
    still_keyed = kept.calls.filter(~pl.col("call_uid").is_in(list(nulled)))["caller_key"]
    held = set(still_keyed.drop_nulls().to_list()) | kept.quarantine_ids["caller_key"]
    needles.add("caller_key", erased_calls(lh, nulled)["caller_key"].to_list(), held)
    held_ids = set(kept.calls["call_id"].to_list()) | kept.quarantine_ids["call_id"]
    needles.add("call_id", gone_quarantine["call_id"].to_list(), held_ids)
    phrase_needles(needles, lh, texts, kept)
    return needles
