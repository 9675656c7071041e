"""Bad uploads: each case ends exactly where it should, and nothing else moves.

The sweep lands one batch folder per case (each with a good neighbour call, ``ok.mp3``) and a
control batch of another tenant, asks the real landing sensor logic what to run, and runs each
partition through the ingest step (``transforms.ingest.step.run``, what the ingest asset runs:
real Delta tables, real FFmpeg, real file system). Each case then asserts its batch's rows
exactly: which calls are stored, which entries are quarantined with which code, what is left in
landing. The other tests cover what needs time, a sequence of runs, a crash (a child process
killed with SIGKILL at each commit point, then a rerun) or a key store state.

The table of cases in ``docs/landing.md`` ("What happens to bad uploads") is generated from this
module (``python -m tests.integration.test_bad_input``) and checked against it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from orchestration.defs.ingest.sensors import landing_requests, landing_sensor
from orchestration.lib.resources import SettingsResource
from tests.audio_fixtures import tone
from tests.row_fixtures import manifest_row as row
from transforms.core.context import StepContext
from transforms.core.keys import FileKeyStore, KeyStoreError
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import REPO_ROOT, Settings
from transforms.core.tables import CALLS, QUARANTINE
from transforms.core.tenants import load_tenants
from transforms.ingest import names
from transforms.ingest import step as ingest_step
from transforms.ingest.landing import scan_landing
from transforms.ingest.manifest import MANIFEST_COLUMNS

TENANT, OTHER = "acme-telecom", "globex-energy"
BRONZE = [dg.AssetKey(["bronze", "calls"]), dg.AssetKey(["bronze", "quarantine"])]
#: The size cap of the sweep (CCR_MAX_FILE_MB), so one case can be too large cheaply.
MAX_FILE_MB = 1
FRENCH = "appel-été n°1.mp3"


# -- what a case puts in landing -------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A symbolic link; ``to``: "key" (another tenant's pseudonym key), "audio" (another
    tenant's audio outside landing), "folder" (a folder of audio outside landing), "nowhere"."""

    to: str


@dataclass(frozen=True)
class Special:
    kind: str  # "fifo" | "socket" | "folder"


_FREQ = iter(range(200, 100_000, 9))


def audio(fmt: str = "mp3", seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A short tone no other case shares (distinct audio: no accidental duplicate_audio)."""
    return tone(seconds, rate=rate, channels=2, fmt=fmt, freq=next(_FREQ))


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] = MANIFEST_COLUMNS) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def wav_with_unknown_codec() -> bytes:
    """A WAV whose format tag names a codec FFmpeg does not know (0x1234): no decoder at all."""
    data = bytearray(audio("wav"))
    fmt = data.index(b"fmt ")
    data[fmt + 8 : fmt + 10] = (0x1234).to_bytes(2, "little")
    return bytes(data)


def flac_claiming_five_hours() -> bytes:
    """One second of FLAC whose STREAMINFO header says 5 hours."""
    data = bytearray(audio("flac", 1.0))
    info = 8  # STREAMINFO follows "fLaC" and its 4-byte block header
    packed = int.from_bytes(data[info + 10 : info + 18], "big")
    packed = packed & ~((1 << 36) - 1) | 8000 * 5 * 3600  # total samples: 36 low bits
    data[info + 10 : info + 18] = packed.to_bytes(8, "big")
    return bytes(data)


# -- the cases of the sweep ------------------------------------------------------------------


@dataclass
class Case:
    id: str
    group: str
    what: str
    files: dict[str | bytes, bytes | Link | Special] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)
    #: call ids stored besides the neighbour's
    stored: tuple[str, ...] = ()
    #: (displayed file name, code) of every quarantine row of the batch
    quarantined: tuple[tuple[str, str], ...] = ()
    #: entries left in the batch folder after the run
    left: tuple[str, ...] = ()
    #: the whole batch (neighbour and manifest included) set aside with this code
    whole: str | None = None
    tenant: str | bytes = TENANT
    folder: str | bytes | None = None
    manifest: bytes | None = None
    manifest_name: str = "manifest.csv"
    #: what the docs table says, when the derived text is not enough
    outcome: str | None = None

    @property
    def neighbour(self) -> str:
        return f"{self.id}-ok"

    def all_quarantined(self) -> list[tuple[str, str]]:
        if self.whole is None:
            return sorted(self.quarantined)
        own = dict(self.quarantined)
        entries = [names.display(os.fsdecode(n)) for n in self.files] + ["ok.mp3"]
        entries.append(self.manifest_name)
        return sorted((n, own.get(n, self.whole)) for n in entries)

    def describe(self) -> str:
        if self.outcome:
            return self.outcome
        if self.whole:
            return f"whole batch quarantined: `{self.whole}`"
        codes = [f"`{code}`" for code in sorted({code for _, code in self.quarantined})]
        if not codes:
            return "stored"
        return ", ".join(["stored", *codes] if self.stored else codes) + "; the rest stored"


NFD = unicodedata.normalize("NFD", FRENCH)
LONG_NAME = "x" * 230 + ".wav"
LONG_UTF8 = "é" * 122 + ".wav"  # 248 bytes: a legal name, too long once prefixed in quarantine
PHONE_NAME = "+33 6 39 98 01 23.wav"
#: Personal data an adversarial manifest plants: none of it may be kept in clear in quarantine.
PLANTED_NAME, PLANTED_NUMBER = "Jane Auditname", "07700900555"
NAMED_FILE = f"{PLANTED_NAME} {PLANTED_NUMBER}.wav"
#: An unquoted comma in team ("Sales, North") shifts every later value one column right: the
#: caller's number lands in started_at.
SHIFTED = (
    b"sc-1,c.mp3,acme-telecom,acme-a01,Sales, North,billing,+447700900555,"
    b"2026-11-02T09:15:00+01:00,fr,agent-left\n"
)

CASES = [
    # names and encodings
    Case("french-name", "names", f"`{FRENCH}` (NFC), manifest NFC",
         {FRENCH: audio()}, [row("fr-1", FRENCH)], stored=("fr-1",)),
    Case("french-name-nfd-file", "names", "the same name in NFD (macOS), manifest NFC",
         {NFD: audio()}, [row("fr-2", FRENCH)], stored=("fr-2",)),
    Case("french-name-nfd-manifest", "names", "file NFC, manifest NFD",
         {FRENCH: audio()}, [row("fr-3", NFD)], stored=("fr-3",)),
    Case("spaces-hash-percent-question", "names", "`call #1 100% ?.wav`",
         {"call #1 100% ?.wav": audio("wav")}, [row("sp-1", "call #1 100% ?.wav")],
         stored=("sp-1",)),
    Case("accented-batch-folder", "names", "batch folder `lot-été` (NFC)",
         {FRENCH: audio()}, [row("bf-1", FRENCH)], stored=("bf-1",), folder="lot-été",
         outcome="stored, batch id `lot-ete~<hash>`"),
    Case("accented-batch-folder-nfd", "names", "batch folder `lot-été` in NFD",
         {FRENCH: audio()}, [row("bf-2", FRENCH)], stored=("bf-2",),
         folder=unicodedata.normalize("NFD", "lot-été"),
         outcome="stored, a batch id of its own"),
    Case("odd-batch-folder", "names", "batch folder `2026__11...05 #2` (`__`, `...`)",
         {"a.mp3": audio()}, [row("bf-3", "a.mp3")], stored=("bf-3",),
         folder="2026__11...05 #2", outcome="stored, batch id `2026-11-05-2~<hash>`"),
    Case("phone-number-batch-folder", "names", "batch folder `+33639980123`",
         {"a.mp3": audio()}, [row("bf-4", "a.mp3")], stored=("bf-4",), folder="+33639980123",
         outcome="stored, batch id `xxxxxxxxxxx~<hash>` (number masked)"),
    Case("accented-tenant-folder", "names", "tenant folder `acmé-telecom`",
         {"a.mp3": audio()}, [row("tf-1", "a.mp3")], whole="bad_tenant_folder",
         tenant="acmé-telecom"),
    Case("lookalike-tenant-folder", "names", "tenant folder `аcme-telecom` (Cyrillic а)",
         {"a.mp3": audio()}, [row("tf-2", "a.mp3")], whole="bad_tenant_folder",
         tenant="аcme-telecom"),
    Case("unknown-tenant", "names", "tenant folder `initech` (not in the registry)",
         {"a.mp3": audio()}, [row("tf-3", "a.mp3", tenant_id="")], whole="unknown_tenant",
         tenant="initech"),
    Case("not-utf8-file-name", "names", "file name in Latin-1 bytes, manifest in UTF-8",
         {b"appel-\xe9t\xe9.wav": audio("wav")}, [row("nu-1", "appel-été.wav")],
         quarantined=(("appel-\\xe9t\\xe9.wav", "bad_file_name"),
                      ("appel-été.wav", "audio_missing"))),
    Case("not-utf8-batch-folder", "names", "batch folder name in Latin-1 bytes",
         {"a.mp3": audio()}, [row("nu-2", "a.mp3")], whole="bad_batch_folder",
         folder=b"lot-\xe9t\xe9"),
    Case("control-character-name", "names", "a newline in the file name",
         {"a\nb.wav": audio("wav")}, [row("cc-1", "a\nb.wav")],
         quarantined=(("a\\nb.wav", "bad_file_name"),)),
    Case("bidi-override-name", "names", "a right-to-left override (`evil\\u202e3pm.wav`)",
         {"evil\u202e3pm.wav": audio("wav")}, [row("cc-2", "evil\u202e3pm.wav")],
         quarantined=(("evil\\u202e3pm.wav", "bad_file_name"),)),
    Case("name-too-long", "names", "a 234-character file name",
         {LONG_NAME: audio("wav")}, [row("ln-1", LONG_NAME)],
         quarantined=((LONG_NAME, "name_too_long"),),
         outcome="`name_too_long`; kept under a shortened, hashed name"),
    Case("quarantine-path-over-name-limit", "names",
         "a 248-byte name whose quarantine name would pass 255 bytes",
         {LONG_UTF8: b"not audio at all" * 8}, [row("ln-2", LONG_UTF8)],
         quarantined=((LONG_UTF8, "unsupported_format"),),
         outcome="`unsupported_format`; kept under a shortened, hashed name"),
    Case("phone-number-file-name", "names", f"`{PHONE_NAME}` (text bytes)",
         {PHONE_NAME: b"not audio at all" * 8}, [row("ph-1", PHONE_NAME)],
         quarantined=(("+xx x xx xx xx xx.wav", "unsupported_format"),),
         outcome="`unsupported_format`; the number masked in the row, path and manifest row"),
    Case("nfc-and-nfd-twins", "names", "two files, one name in NFC and in NFD",
         {FRENCH: audio(), NFD: audio()}, [row("tw-1", FRENCH)],
         quarantined=((FRENCH, "ambiguous_file_name"), (NFD, "ambiguous_file_name"))),
    Case("name-and-number-in-file-name", "names", f"`{NAMED_FILE}` (text bytes)",
         {NAMED_FILE: b"not audio at all" * 8}, [row("nf-1", NAMED_FILE)],
         quarantined=(("xxxx xxxxxxxxx xxxxxxxxxxx.wav", "unsupported_format"),),
         outcome="`unsupported_format`; the name and the number masked in the row, path and "
         "manifest row"),
    Case("path-in-manifest", "names", "the manifest names `../../other/x.wav`",
         {}, [row("pm-1", "../../other/x.wav")],
         quarantined=(("../../other/x.wav", "audio_missing"),),
         outcome="`audio_missing`; nothing outside the folder is read"),
    # links, devices, folders
    Case("symlink-to-other-tenants-audio", "links", "a link to another tenant's recording",
         {"c.mp3": Link("audio")}, [row("ln-3", "c.mp3")], quarantined=(("c.mp3", "symlink"),),
         outcome="`symlink`, no bytes kept, the target untouched"),
    Case("symlink-to-a-key", "links", "`c.wav` linking to `$CCR_KEYS/globex-energy.key`",
         {"c.wav": Link("key")}, [row("ln-4", "c.wav")], quarantined=(("c.wav", "symlink"),),
         outcome="`symlink`; the secret is copied nowhere"),
    Case("dangling-symlink", "links", "a link to nothing",
         {"c.wav": Link("nowhere")}, [row("ln-5", "c.wav")],
         quarantined=(("c.wav", "symlink"),)),
    Case("fifo", "links", "a FIFO named `c.wav` (would block a reader)",
         {"c.wav": Special("fifo")}, [row("sp-2", "c.wav")],
         quarantined=(("c.wav", "not_a_regular_file"),)),
    Case("socket", "links", "a Unix socket named `c.wav`",
         {"c.wav": Special("socket")}, [row("sp-3", "c.wav")],
         quarantined=(("c.wav", "not_a_regular_file"),)),
    Case("nested-folder", "links", "a folder inside the batch folder",
         {"sub": Special("folder")}, [], quarantined=(("sub", "nested_folder"),),
         left=("sub",), outcome="`nested_folder`, left in landing"),
    Case("symlinked-manifest", "links", "`manifest.csv` is a link", {"a.mp3": audio()},
         [row("sl-1", "a.mp3")], whole="manifest_unreadable",
         quarantined=(("manifest.csv", "symlink"),),
         outcome="whole batch `manifest_unreadable`, the link `symlink`"),
    Case("symlinked-batch-folder", "links", "a link where a batch folder should be",
         whole="symlink", outcome="`symlink`, the link removed, its target untouched"),
    Case("symlinked-tenant-folder", "links", "a link where a tenant folder should be",
         whole="symlink", outcome="`symlink` under `_unattributed`, the link removed"),
    # formats
    Case("aac-in-mp4-named-mp3", "formats", "AAC in an MP4 container named `.mp3`",
         {"c.mp3": audio("mp4-aac", rate=16000)}, [row("fm-1", "c.mp3")],
         quarantined=(("c.mp3", "unsupported_format"),)),
    Case("adts-aac-named-mp3", "formats", "raw AAC (ADTS) named `.mp3`",
         {"c.mp3": audio("adts-aac", rate=16000)}, [row("fm-2", "c.mp3")],
         quarantined=(("c.mp3", "unsupported_format"),)),
    Case("mp2-named-mp3", "formats", "MPEG layer II named `.mp3`",
         {"c.mp3": audio("mp2", rate=16000)}, [row("fm-3", "c.mp3")],
         quarantined=(("c.mp3", "unsupported_format"),)),
    Case("ffconcat-named-wav", "formats", "`ffconcat version 1.0` text naming another file",
         {"c.wav": b"ffconcat version 1.0\nfile '../../../keys/globex-energy.key'\n"},
         [row("fm-4", "c.wav")], quarantined=(("c.wav", "unsupported_format"),)),
    Case("playlist-named-mp3", "formats", "an M3U playlist named `.mp3`",
         {"c.mp3": b"#EXTM3U\n#EXTINF:1,x\nhttp://127.0.0.1:9/x.mp3\n"},
         [row("fm-5", "c.mp3")], quarantined=(("c.mp3", "unsupported_format"),)),
    Case("adpcm-in-wav", "formats", "IMA ADPCM in a WAV container",
         {"c.wav": audio("wav-adpcm", rate=16000)}, [row("fm-6", "c.wav")],
         quarantined=(("c.wav", "unsupported_format"),)),
    Case("unknown-wav-codec", "formats", "a WAV whose format tag names no codec FFmpeg knows",
         {"c.wav": wav_with_unknown_codec()}, [row("fm-18", "c.wav")],
         quarantined=(("c.wav", "unsupported_format"),),
         outcome="`unsupported_format` (not `internal_error`)"),
    Case("text-named-wav", "formats", "text bytes named `.wav`",
         {"c.wav": b"this is not audio\n" * 40}, [row("fm-7", "c.wav")],
         quarantined=(("c.wav", "unsupported_format"),)),
    Case("wav-named-mp3", "formats", "WAV bytes named `.mp3`",
         {"c.mp3": audio("wav")}, [row("fm-8", "c.mp3")], stored=("fm-8",),
         outcome="stored as `.wav` (the bytes decide)"),
    Case("g711-mulaw", "formats", "G.711 µ-law WAV",
         {"c.wav": audio("mulaw")}, [row("fm-9", "c.wav")], stored=("fm-9",)),
    Case("g711-alaw", "formats", "G.711 A-law WAV",
         {"c.wav": audio("alaw")}, [row("fm-10", "c.wav")], stored=("fm-10",)),
    Case("ogg-opus", "formats", "Ogg Opus",
         {"c.opus": audio("ogg")}, [row("fm-11", "c.opus")], stored=("fm-11",)),
    Case("ogg-vorbis", "formats", "Ogg Vorbis",
         {"c.ogg": audio("vorbis", rate=16000)}, [row("fm-12", "c.ogg")], stored=("fm-12",)),
    Case("flac", "formats", "FLAC",
         {"c.flac": audio("flac")}, [row("fm-13", "c.flac")], stored=("fm-13",)),
    Case("empty-file", "formats", "0 bytes",
         {"c.wav": b""}, [row("fm-14", "c.wav")], quarantined=(("c.wav", "empty_file"),)),
    Case("truncated-mp3", "formats", "an MP3 cut after 200 bytes",
         {"c.mp3": audio()[:200]}, [row("fm-15", "c.mp3")],
         quarantined=(("c.mp3", "undecodable"),)),
    Case("header-claims-five-hours", "formats", "1 s of FLAC whose header says 5 h",
         {"c.flac": flac_claiming_five_hours()}, [row("fm-16", "c.flac")],
         quarantined=(("c.flac", "duration_out_of_range"),),
         outcome="`duration_out_of_range` before decoding"),
    Case("file-too-large", "formats", f"a file over `CCR_MAX_FILE_MB` ({MAX_FILE_MB})",
         {"big.wav": b"\0" * (MAX_FILE_MB * 1024 * 1024 + 1)}, [row("fm-17", "big.wav")],
         quarantined=(("big.wav", "file_too_large"),),
         outcome="`file_too_large`, bytes streamed to quarantine, never read whole"),
    # manifests and values
    Case("year-1-started-at", "manifests", "`started_at` 0001-01-01 (OverflowError)",
         {"c.mp3": audio()}, [row("mf-1", "c.mp3", started_at="0001-01-01T00:00:00+01:00")],
         quarantined=(("c.mp3", "invalid_manifest_row"),)),
    Case("year-9999-started-at", "manifests", "`started_at` 9999-12-31",
         {"c.mp3": audio()}, [row("mf-2", "c.mp3", started_at="9999-12-31T23:00:00-05:00")],
         quarantined=(("c.mp3", "invalid_manifest_row"),)),
    Case("deeply-nested-manifest", "manifests", "`manifest.json` nested 100 000 deep",
         {"a.mp3": audio()}, manifest=b"[" * 100_000 + b"]" * 100_000,
         manifest_name="manifest.json", whole="manifest_unreadable",
         outcome="whole batch quarantined: `manifest_unreadable`; the manifest's bytes not kept"),
    Case("manifest-not-utf8", "manifests", "a Latin-1 manifest",
         {"a.mp3": audio()}, manifest="call_id,file_name\né,a.mp3\n".encode("latin-1"),
         whole="manifest_unreadable",
         outcome="whole batch quarantined: `manifest_unreadable`; the manifest's bytes not kept"),
    Case("csv-field-over-limit", "manifests", "a 200 000-character CSV field",
         {"a.mp3": audio()}, manifest=b"call_id,file_name,agent_id,started_at\n" + b"x" * 200_000,
         whole="manifest_unreadable",
         outcome="whole batch quarantined: `manifest_unreadable`; the manifest's bytes not kept"),
    Case("missing-column", "manifests", "no `started_at` column",
         {"a.mp3": audio()}, manifest=b"call_id,file_name,agent_id\nmc-1,a.mp3,a1\n",
         whole="manifest_missing_column"),
    Case("set-aside-manifest-sanitised", "privacy",
         "no `started_at` column; `caller_name` and `caller_phone` in clear, a name in a value",
         {"a.mp3": audio()},
         manifest=csv_bytes([{"call_id": "ms-1", "file_name": "a.mp3", "agent_id": "a1",
                              "team": f"{PLANTED_NAME} 0{PLANTED_NUMBER[1:]}",
                              "caller_phone": "+44 7700 900555", "caller_name": PLANTED_NAME}],
                            ("call_id", "file_name", "agent_id", "team", "caller_phone",
                             "caller_name")),
         whole="manifest_missing_column",
         outcome="whole batch quarantined: `manifest_missing_column`; the audio's bytes kept, the "
         "manifest kept sanitised (no `caller_name`, the number as its pseudonym)"),
    Case("shifted-columns", "privacy", "an unquoted comma in `team` shifts the number into "
         "`started_at`", {"c.mp3": audio(), "ok.mp3": audio()},
         manifest=csv_bytes([row("shifted-columns-ok", "ok.mp3")]) + SHIFTED,
         quarantined=(("c.mp3", "invalid_manifest_row"),),
         outcome="`invalid_manifest_row`; the shifted values withheld, the number nowhere"),
    Case("free-text-in-a-column", "privacy", f"`started_at` = `{PLANTED_NAME} {PLANTED_NUMBER}`",
         {"c.mp3": audio()}, [row("ft-1", "c.mp3", started_at=f"{PLANTED_NAME} {PLANTED_NUMBER}")],
         quarantined=(("c.mp3", "invalid_manifest_row"),),
         outcome="`invalid_manifest_row`; the value withheld, not kept verbatim"),
    Case("national-number", "manifests", "`caller_phone` `06 39 98 01 01` (national; the tenant's "
         "`phone_region` is FR)", {"c.mp3": audio()},
         [row("nn-1", "c.mp3", caller_phone="06 39 98 01 01")], stored=("nn-1",),
         outcome="stored, the same caller as `+33639980101`"),
    Case("not-a-number-of-the-region", "manifests", "`caller_phone` `12 34 56 78` (no French "
         "number has 8 digits)", {"c.mp3": audio()},
         [row("nn-2", "c.mp3", caller_phone="12 34 56 78")],
         quarantined=(("c.mp3", "invalid_caller_phone"),)),
    Case("nested-value-in-json-row", "manifests", "a JSON row whose `team` is an object",
         {"c.mp3": audio(), "ok.mp3": audio()},
         manifest=json.dumps([row("mf-3", "c.mp3", team={"x": [1]}),
                              row("nested-value-in-json-row-ok", "ok.mp3")]).encode(),
         manifest_name="manifest.json", quarantined=(("c.mp3", "invalid_manifest_row"),)),
    Case("unknown-column-dropped", "manifests", "an extra `caller_name` column on a bad row",
         {"c.mp3": audio()}, [row("mf-4", "c.mp3", language="de", caller_name="Jean Dupont")],
         quarantined=(("c.mp3", "invalid_manifest_row"),),
         outcome="`invalid_manifest_row`; `caller_name` not kept"),
    Case("formula-team", "manifests", "`team` = `=HYPERLINK(…)`",
         {"c.mp3": audio()}, [row("mf-5", "c.mp3", team='=HYPERLINK("http://x","y")')],
         quarantined=(("c.mp3", "unsafe_value"),)),
    Case("formula-campaign", "manifests", "`campaign` = `+cmd|' /C calc'!A0`",
         {"c.mp3": audio()}, [row("mf-6", "c.mp3", campaign="+cmd|' /C calc'!A0")],
         quarantined=(("c.mp3", "unsafe_value"),)),
    Case("formula-call-id", "manifests", "`call_id` = `@SUM(1)`",
         {"c.mp3": audio()}, [row("@SUM(1)", "c.mp3")], quarantined=(("c.mp3", "unsafe_value"),)),
    Case("formula-agent-id", "manifests", "`agent_id` = `-2+3`",
         {"c.mp3": audio()}, [row("mf-7", "c.mp3", agent_id="-2+3")],
         quarantined=(("c.mp3", "unsafe_value"),)),
    Case("team-off-pattern", "manifests", "`team` = `sales;north`",
         {"c.mp3": audio()}, [row("mf-8", "c.mp3", team="sales;north")],
         quarantined=(("c.mp3", "invalid_manifest_row"),)),
    Case("size-mismatch", "manifests", "`size` one byte more than the file",
         {"c.wav": (w := audio("wav"))}, [row("mf-9", "c.wav", size=str(len(w) + 1))],
         quarantined=(("c.wav", "size_mismatch"),)),
    Case("sha256-mismatch", "manifests", "`sha256` of other bytes",
         {"c.wav": audio("wav")}, [row("mf-10", "c.wav", sha256="ab" * 32)],
         quarantined=(("c.wav", "sha256_mismatch"),)),
    Case("size-and-sha256-match", "manifests", "`size` and `sha256` right",
         {"c.wav": (w2 := audio("wav"))},
         [row("mf-11", "c.wav", size=str(len(w2)),
              sha256=__import__("hashlib").sha256(w2).hexdigest())], stored=("mf-11",)),
    Case("bom-and-crlf-manifest", "manifests", "a manifest with a BOM and CRLF lines",
         {"c.mp3": audio(), "ok.mp3": audio()},
         manifest=b"\xef\xbb\xbf" + csv_bytes([row("mf-12", "c.mp3"),
                                             row("bom-and-crlf-manifest-ok", "ok.mp3")]
                                            ).replace(b"\n", b"\r\n"), stored=("mf-12",)),
    Case("duplicate-rows", "manifests", "two rows name one file; one row names no file",
         {"c.mp3": audio()}, [row("mf-13", "c.mp3"), row("mf-14", "c.mp3"),
                              row("mf-15", "ghost.mp3")], stored=("mf-13",),
         quarantined=(("c.mp3", "duplicate_file_reference"), ("ghost.mp3", "audio_missing"))),
    # timing
    Case("temporary-names", "timing", "`.partial`, `.part`, `.filepart`, `.crdownload`, "
         "`.tmp`, `~`, `.swp`, dot-files beside the batch",
         {n: audio() for n in ("a.wav.partial", "b.mp3.part", "c.mp3.filepart",
                               "d.mp3.crdownload", "e.tmp", "f.mp3~", ".g.mp3.swp", ".h.mp3")},
         left=("a.wav.partial", "b.mp3.part", "c.mp3.filepart", "d.mp3.crdownload", "e.tmp",
               "f.mp3~", ".g.mp3.swp", ".h.mp3"),
         outcome="ignored: left in landing, no row"),
    Case("row-whose-audio-is-uploading", "timing", "a row names `c.wav` while `c.wav.partial` "
         "is still being written", {"c.wav.partial": audio("wav")}, [row("up-1", "c.wav")],
         left=("c.wav.partial", "manifest.csv"),
         outcome="the row waits, the manifest stays; the next run stores the finished file"),
]  # fmt: skip
BY_ID = {c.id: c for c in CASES}
assert len(BY_ID) == len(CASES)


# -- building and running the sweep ----------------------------------------------------------


def _make(path: Path, content: bytes | Link | Special, outside: Path, keys: Path) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, Link):
        target = {
            "key": keys / f"{OTHER}.key",
            "audio": outside / "other-tenant.mp3",
            "folder": outside,
            "nowhere": outside / "no-such-file.wav",
        }[content.to]
        os.symlink(target, path)
    elif content.kind == "fifo":
        os.mkfifo(path)
    elif content.kind == "folder":
        path.mkdir()
        (path / "inner.mp3").write_bytes(audio())
    else:  # a socket: bound by a relative name (the absolute path may pass the 108-byte limit)
        cwd = os.getcwd()
        os.chdir(path.parent)
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.bind(path.name)
        finally:
            os.chdir(cwd)


def drop(case: Case, landing: Path, outside: Path, keys: Path) -> Path:
    """Write the case's batch folder; the manifest last."""
    if case.id == "symlinked-batch-folder":
        (landing / TENANT).mkdir(parents=True, exist_ok=True)
        os.symlink(outside, landing / TENANT / case.id)
        return landing / TENANT / case.id
    if case.id == "symlinked-tenant-folder":
        os.symlink(outside, landing / "linked-tenant")
        return landing / "linked-tenant"
    tenant = os.fsencode(case.tenant)
    folder_name = os.fsencode(case.folder if case.folder is not None else case.id)
    folder = Path(os.fsdecode(os.fsencode(landing) + b"/" + tenant + b"/" + folder_name))
    folder.mkdir(parents=True)
    for name, content in case.files.items():
        _make(Path(os.fsdecode(os.fsencode(folder) + b"/" + os.fsencode(name))), content,
              outside, keys)  # fmt: skip
    if case.manifest is None:
        (folder / "ok.mp3").write_bytes(audio())
        rows = [*case.rows, row(case.neighbour, "ok.mp3")]
        extra = tuple(k for r in rows for k in r if k not in MANIFEST_COLUMNS)
        manifest = csv_bytes(rows, MANIFEST_COLUMNS + tuple(dict.fromkeys(extra)))
    else:
        manifest = case.manifest
        if b"ok.mp3" not in manifest or "ok.mp3" not in case.files:
            (folder / "ok.mp3").write_bytes(audio())
    if case.id == "symlinked-manifest":
        (outside / "real-manifest.csv").write_bytes(csv_bytes([row("sl-1", "a.mp3")]))
        os.symlink(outside / "real-manifest.csv", folder / case.manifest_name)
    else:
        (folder / case.manifest_name).write_bytes(manifest)
    return folder


@dataclass
class Sweep:
    settings: Settings
    lh: Lakehouse
    key_of: dict[str, str]  # case id -> partition key
    folder_of: dict[str, Path]
    outside: Path
    outside_before: dict[str, bytes]
    control: list[str]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}  # fmt: skip


@pytest.fixture(scope="module")
def sweep(module_ccr_home: Settings, tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CCR_MAX_FILE_MB", str(MAX_FILE_MB))
        settings = Settings.from_env(os.environ)
        landing, keys = Path(settings.landing), Path(settings.keys)
        outside = tmp_path_factory.mktemp("outside")
        (outside / "other-tenant.mp3").write_bytes(audio())
        folders = {c.id: drop(c, landing, outside, keys) for c in CASES}
        control = landing / OTHER / "control"
        control.mkdir(parents=True)
        rows = []
        for i in range(2):
            (control / f"g{i}.mp3").write_bytes(audio())
            rows.append(row(f"control-{i}", f"g{i}.mp3", tenant_id=OTHER, language="en"))
        (control / "manifest.csv").write_bytes(csv_bytes(rows))
        outside_before = _files(outside)

        # A link standing for a folder is its batch's only entry.
        batches = scan_landing(settings.landing).batches
        scan = {b.uri or b.entries[0].uri: b.partition_key for b in batches}
        key_of = {cid: scan[os.fsdecode(os.fsencode(f))] for cid, f in folders.items()}
        instance = dg.DagsterInstance.ephemeral()
        plan = landing_requests(instance, settings)
        lh = Lakehouse(settings.lakehouse)
        for request in plan.requests:
            ingest_step.run(StepContext.of(settings, lakehouse=lh), request.partition_key)
        planned = sorted(r.partition_key for r in plan.requests)
        assert planned == sorted([*key_of.values(), f"{OTHER}__control"])
        yield Sweep(settings, lh, key_of, folders, outside, outside_before,
                    [f"control-{i}" for i in range(2)])  # fmt: skip


def batch_rows(sw: Sweep, case: Case) -> tuple[pl.DataFrame, pl.DataFrame]:
    tenant, batch_id = sw.key_of[case.id].rsplit("__", 1)
    where = {"batch_id": batch_id}
    return sw.lh.read(CALLS, tenant, where=where), sw.lh.read(QUARANTINE, tenant, where=where)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(sweep: Sweep, case: Case):
    calls, quarantine = batch_rows(sweep, case)
    stored = () if case.whole else (*case.stored, case.neighbour)
    assert sorted(calls["call_id"]) == sorted(stored)
    expected = case.all_quarantined()
    if case.id in ("symlinked-batch-folder", "symlinked-tenant-folder"):
        expected = [(sweep.folder_of[case.id].name, "symlink")]
    got = sorted(zip(quarantine["file_name"], quarantine["reason_code"], strict=True))
    assert got == expected
    # every stored call's audio is in the store, byte for byte
    for call in calls.iter_rows(named=True):
        assert Path(call["audio_uri"]).is_file()
    # quarantined regular files keep their bytes, under a name the file system accepts
    for q in quarantine.iter_rows(named=True):
        if q["quarantine_uri"] is not None:
            kept = Path(q["quarantine_uri"])
            assert len(os.fsencode(kept.name)) <= names.NAME_MAX_BYTES
            assert kept.stat().st_size == q["file_size_bytes"]
    # what is left in landing, and nothing else (a link standing for a folder is removed)
    folder = sweep.folder_of[case.id]
    left = sorted(os.listdir(folder)) if os.path.lexists(folder) else []
    assert left == sorted(case.left)


def test_the_other_tenant_and_the_targets_of_links_did_not_move(sweep: Sweep):
    calls = sweep.lh.read(CALLS, OTHER)
    assert sorted(calls["call_id"]) == sweep.control
    assert sweep.lh.read(QUARANTINE, OTHER).is_empty()
    assert _files(sweep.outside) == sweep.outside_before  # link targets untouched
    assert not (Path(sweep.settings.landing) / OTHER / "control").exists()


def test_nothing_anywhere_holds_the_linked_secret_or_a_masked_number(sweep: Sweep):
    secret = (Path(sweep.settings.keys) / f"{OTHER}.key").read_bytes()
    lakehouse = Path(sweep.settings.lakehouse)
    for path in lakehouse.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret not in data, path
            assert b"39 98 01 23" not in data and "39 98 01 23" not in str(path), path


def test_no_orphan_objects_and_no_partial_files(sweep: Sweep):
    assert orphans(sweep.settings, sweep.lh) == []


def test_french_names_store_the_call_with_its_bytes(sweep: Sweep):
    """The issue's first finding: the name that stopped the whole batch now stores the call."""
    calls, _ = batch_rows(sweep, BY_ID["french-name-nfd-file"])
    call = calls.filter(pl.col("call_id") == "fr-2").row(0, named=True)
    assert Path(call["audio_uri"]).name == f"{call['audio_sha256']}.mp3"
    assert Path(call["audio_uri"]).read_bytes() == BY_ID["french-name-nfd-file"].files[NFD]
    _, batch_id = sweep.key_of["accented-batch-folder"].rsplit("__", 1)
    assert batch_id.startswith("lot-ete~") and names.is_ordinary_batch_id(batch_id) is False


def test_the_quarantined_rows_keep_no_extra_column_and_no_number(sweep: Sweep):
    _, q = batch_rows(sweep, BY_ID["unknown-column-dropped"])
    kept = json.loads(q["manifest_row"][0])
    assert "caller_name" not in kept and "caller_phone" not in kept
    assert kept["caller_key"] and len(kept["caller_key"]) == 64
    _, q = batch_rows(sweep, BY_ID["phone-number-file-name"])
    (r,) = q.iter_rows(named=True)
    assert "+xx x xx xx xx xx.wav" in r["quarantine_uri"]
    assert json.loads(r["manifest_row"])["file_name"] == "+xx x xx xx xx xx.wav"


def test_quarantine_holds_none_of_the_planted_personal_data(sweep: Sweep):
    """Every quarantine row of the sweep (all columns) and every byte kept in the quarantine
    store: no planted name or number in clear, in any form."""
    planted = [PLANTED_NAME, "Auditname", PLANTED_NUMBER, PLANTED_NUMBER[1:], "7700 900555",
               "Jean Dupont", "Dupont"]  # fmt: skip
    rows = sweep.lh.read(QUARANTINE)
    text = json.dumps(rows.to_dicts(), default=str, ensure_ascii=False)
    for value in planted:
        assert value not in text, value
    for path in Path(sweep.settings.quarantine_store).rglob("*"):
        assert not any(v in str(path) for v in planted), path
        if path.is_file():
            data = path.read_bytes()
            assert not any(v.encode() in data for v in planted), path


def test_a_set_aside_manifest_is_kept_sanitised_beside_the_audio_bytes(sweep: Sweep):
    from transforms.core.keys import FileKeyStore
    from transforms.privacy.pseudonymise import caller_key

    case = BY_ID["set-aside-manifest-sanitised"]
    _, q = batch_rows(sweep, case)
    by_name = {r["file_name"]: r for r in q.iter_rows(named=True)}
    assert Path(by_name["a.mp3"]["quarantine_uri"]).read_bytes() == case.files["a.mp3"]
    kept = Path(by_name["manifest.csv"]["quarantine_uri"]).read_text()
    (kept_row,) = csv.DictReader(io.StringIO(kept))
    assert "caller_name" not in kept_row and "caller_phone" not in kept_row
    keys = FileKeyStore(sweep.settings.keys)
    assert kept_row["caller_key"] == caller_key(keys, TENANT, "+447700900555")
    assert kept_row["team"] == "xxxx xxxxxxxxx xxxxxxxxxxx"
    assert kept_row["call_id"] == "ms-1" and kept_row["file_name"] == "a.mp3"


def test_an_unreadable_manifest_keeps_no_bytes_only_what_identifies_it(sweep: Sweep):
    _, q = batch_rows(sweep, BY_ID["manifest-not-utf8"])
    (m,) = q.filter(pl.col("file_name") == "manifest.csv").iter_rows(named=True)
    assert m["quarantine_uri"] is None and len(m["file_sha256"]) == 64
    assert "not kept" in m["reason"]


def test_shifted_and_free_text_values_are_withheld(sweep: Sweep):
    for case_id in ("shifted-columns", "free-text-in-a-column"):
        _, q = batch_rows(sweep, BY_ID[case_id])
        (r,) = q.iter_rows(named=True)
        kept = json.loads(r["manifest_row"])
        assert kept["started_at"] == "<withheld>" and "caller_phone" not in kept
        assert r["reason"] == "started_at is not ISO 8601"


def test_a_national_number_is_the_same_caller_as_its_international_form(sweep: Sweep):
    calls, _ = batch_rows(sweep, BY_ID["national-number"])
    keys = dict(calls.select("call_id", "caller_key").iter_rows())
    assert keys["nn-1"] == keys["national-number-ok"]  # +33639980101 written internationally


def test_a_row_whose_audio_is_still_uploading_waits_then_stores_it(ccr_home: Settings):
    """The row waits while ``c.wav.partial`` is written, the manifest stays; once renamed, the
    next run stores the call (it used to become audio_missing, and the file late_file)."""
    folder = land(ccr_home, "b1", {"a.mp3": audio(), "c.wav.partial": (c := audio("wav"))},
                  [row("up-1", "a.mp3"), row("up-2", "c.wav")])  # fmt: skip
    first = run_partition(ccr_home, f"{TENANT}__b1")
    assert first.left == ["c.wav"] and first.quarantine.num_rows == 0
    assert sorted(p.name for p in folder.iterdir()) == ["c.wav.partial", "manifest.csv"]
    (folder / "c.wav.partial").rename(folder / "c.wav")  # the upload ends
    second = run_partition(ccr_home, f"{TENANT}__b1")
    lh = Lakehouse.from_settings(ccr_home)
    assert sorted(lh.read(CALLS)["call_id"]) == ["up-1", "up-2"]
    assert lh.read(QUARANTINE).is_empty() and second.already_ingested == 1
    stored = lh.read(CALLS).filter(pl.col("call_id") == "up-2")["audio_uri"][0]
    assert lh.unseal(TENANT, Path(lh.locate(stored)).read_bytes()) == c and not folder.exists()


# -- helpers shared by the tests below -------------------------------------------------------


def orphans(settings: Settings, lh: Lakehouse) -> list[str]:
    """Objects no row refers to, and temporary files, in the audio and quarantine stores."""
    referenced = set(lh.read(CALLS)["audio_uri"].to_list())
    referenced |= set(lh.read(QUARANTINE)["quarantine_uri"].drop_nulls().to_list())
    found = []
    for store in (settings.audio_store, settings.quarantine_store):
        for path in Path(store).rglob("*"):
            if path.is_file() and (str(path) not in referenced or path.name.endswith(".partial")):
                found.append(str(path))
    return found


def land(settings: Settings, batch: str, files: dict[str, bytes], rows, tenant=TENANT) -> Path:
    folder = Path(settings.landing) / tenant / batch
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "manifest.csv").write_bytes(csv_bytes(rows))
    return folder


def run_partition(settings: Settings, key: str):
    return ingest_step.run(StepContext.of(settings), key)


def evaluate(instance: dg.DagsterInstance) -> dg.SensorResult:
    with dg.build_sensor_context(
        instance=instance, resources={"settings": SettingsResource.from_env(os.environ)}
    ) as context:
        return landing_sensor(context)


def newest_change(folder: Path) -> float:
    paths = [folder, *folder.iterdir()]
    return max(max(p.lstat().st_mtime_ns, p.lstat().st_ctime_ns) for p in paths) / 1e9


# -- timing ----------------------------------------------------------------------------------


def test_quiet_period(ccr_home: Settings, monkeypatch):
    """A batch whose files changed within CCR_LANDING_QUIET_S is not taken; then it is."""
    monkeypatch.setenv("CCR_LANDING_QUIET_S", "60")
    settings = Settings.from_env(os.environ)
    folder = land(settings, "b1", {"a.mp3": audio()}, [row("q-1", "a.mp3")])
    instance = dg.DagsterInstance.ephemeral()
    changed = newest_change(folder)
    early = landing_requests(instance, settings, now=changed + 59)
    assert early.requests == [] and early.waiting == [f"{TENANT}__b1: changed less than 60 s ago"]
    late = landing_requests(instance, settings, now=changed + 61)
    assert [r.partition_key for r in late.requests] == [f"{TENANT}__b1"]
    assert [p.name for p in sorted(folder.iterdir())] == ["a.mp3", "manifest.csv"]


def test_file_still_changing_at_run_time(ccr_home: Settings, monkeypatch):
    """A file written after the sensor looked is left, with the manifest; the next run takes
    it and nothing is stored twice."""
    folder = land(ccr_home, "b1", {"a.mp3": audio()}, [row("w-1", "a.mp3"), row("w-2", "b.mp3")])
    time.sleep(0.3)
    (folder / "b.mp3").write_bytes(audio())
    b_changed = newest_change(folder)
    a = folder / "a.mp3"
    assert b_changed - max(a.stat().st_mtime_ns, a.stat().st_ctime_ns) / 1e9 >= 0.25
    monkeypatch.setenv("CCR_LANDING_QUIET_S", "0.2")
    settings = Settings.from_env(os.environ)
    from datetime import UTC, datetime

    now = datetime.fromtimestamp(b_changed + 0.1, UTC)  # a settled, b still changing
    outcome = ingest_step.run(StepContext.of(settings, now=now), f"{TENANT}__b1")
    assert outcome.left == ["b.mp3"] and outcome.quarantine.num_rows == 0
    assert sorted(p.name for p in folder.iterdir()) == ["b.mp3", "manifest.csv"]
    outcome = run_partition(ccr_home, f"{TENANT}__b1")  # later: b has settled
    lh = Lakehouse(settings.lakehouse)
    assert sorted(lh.read(CALLS)["call_id"]) == ["w-1", "w-2"]
    assert outcome.already_ingested == 1 and lh.read(QUARANTINE).is_empty()
    assert not folder.exists()


def test_late_file_is_landed_as_late_file_not_stranded(ccr_home: Settings):
    """A file arriving after its batch ran (the folder is gone, then re-created by the upload)
    is picked up by the sensor (its partition is known) and quarantined as late_file."""
    land(ccr_home, "b1", {"a.mp3": audio()}, [row("l-1", "a.mp3")])
    instance = dg.DagsterInstance.ephemeral()
    first = evaluate(instance)
    instance.add_dynamic_partitions("call_batches", [r.partition_key for r in first.run_requests])
    run_partition(ccr_home, f"{TENANT}__b1")
    late = Path(ccr_home.landing) / TENANT / "b1"
    late.mkdir()
    (late / "b.mp3").write_bytes(late_bytes := audio())
    again = evaluate(instance)
    (request,) = again.run_requests
    assert request.partition_key == f"{TENANT}__b1" and again.dynamic_partitions_requests == []
    assert request.run_key != first.run_requests[0].run_key
    run_partition(ccr_home, f"{TENANT}__b1")
    lh = Lakehouse.from_settings(ccr_home)
    q = lh.read(QUARANTINE).row(0, named=True)
    assert (q["file_name"], q["reason_code"]) == ("b.mp3", "late_file")
    assert lh.unseal(TENANT, Path(lh.locate(q["quarantine_uri"])).read_bytes()) == late_bytes
    assert not late.exists()


def test_a_folder_without_manifest_waits_and_is_reported(ccr_home: Settings):
    folder = Path(ccr_home.landing) / TENANT / "b1"
    folder.mkdir(parents=True)
    (folder / "a.mp3").write_bytes(audio())
    (Path(ccr_home.landing) / TENANT / "loose 0639980123.wav").write_bytes(b"x")
    plan = landing_requests(dg.DagsterInstance.ephemeral(), ccr_home)
    assert plan.requests == [] and plan.waiting == [f"{TENANT}__b1: no manifest yet"]
    assert plan.loose == [f"{TENANT}/loose xxxxxxxxxx.wav"]


def test_relanded_with_the_same_times_gets_a_new_run(ccr_home: Settings):
    """A copy that keeps modification times (rsync -t, cp -p) still gets a new run key: the
    status-change time is in the fingerprint."""
    data = audio()
    folder = land(ccr_home, "b1", {"a.mp3": data}, [row("r-1", "a.mp3")])
    times = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    instance = dg.DagsterInstance.ephemeral()
    (first,) = landing_requests(instance, ccr_home).requests
    run_partition(ccr_home, f"{TENANT}__b1")
    time.sleep(0.01)
    land(ccr_home, "b1", {"a.mp3": data}, [row("r-1", "a.mp3")])
    for p in folder.iterdir():
        os.utime(p, ns=(times[p.name], times[p.name]))
    (second,) = landing_requests(instance, ccr_home).requests
    assert second.run_key != first.run_key
    outcome = run_partition(ccr_home, f"{TENANT}__b1")
    assert outcome.already_ingested == 1 and outcome.calls.num_rows == 0
    assert Lakehouse(ccr_home.lakehouse).read(CALLS).height == 1


def test_a_failed_run_is_retried_once_the_cause_is_fixed(ccr_home: Settings):
    """Real job runs and real sensor evaluations: a missing key fails the run; the sensor does
    not retry it while nothing changed (Dagster would skip the same run key anyway), retries
    after the back-off, and at once when the key is provisioned."""
    from orchestration.cli.common import prepare_dagster_home
    from orchestration.definitions import build_definitions
    from orchestration.defs.ingest.sensors import LANDING_TAG

    prepare_dagster_home(ccr_home)
    (Path(ccr_home.keys) / f"{TENANT}.key").unlink()
    land(ccr_home, "b1", {"a.mp3": audio()}, [row("f-1", "a.mp3")])
    instance = dg.DagsterInstance.get()
    job = build_definitions().resolve_job_def("call_batch_job")

    def execute(request: dg.RunRequest) -> bool:
        result = job.execute_in_process(
            instance=instance, partition_key=request.partition_key, asset_selection=BRONZE,
            tags=request.tags, raise_on_error=False,
        )  # fmt: skip
        return result.success

    first = evaluate(instance)
    instance.add_dynamic_partitions("call_batches", [f"{TENANT}__b1"])
    (request,) = first.run_requests
    assert not execute(request)
    base = request.tags[LANDING_TAG]
    assert request.run_key == base
    assert evaluate(instance).run_requests == []  # same folder, same key store: wait
    due = landing_requests(instance, ccr_home, now=time.time() + ccr_home.landing_retry_s + 1)
    assert [r.run_key for r in due.requests] == [f"{base}:retry-1"]
    FileKeyStore(ccr_home.keys).create(TENANT)  # the fix
    (retry,) = evaluate(instance).run_requests
    assert retry.run_key == f"{base}:retry-1"
    assert execute(retry)
    assert Lakehouse(ccr_home.lakehouse).read(CALLS)["call_id"].to_list() == ["f-1"]
    assert evaluate(instance).run_requests == []  # landing cleared


# -- key store states (the store itself: tests/unit/privacy/test_keys.py) --------------------


@pytest.mark.parametrize("state", ["missing", "short", "too-open", "destroyed"])
def test_key_store_state_stops_only_that_tenant(ccr_home: Settings, state: str):
    key = Path(ccr_home.keys) / f"{TENANT}.key"
    if state == "missing":
        key.unlink()
    elif state == "short":
        key.write_bytes(b"abc")
    elif state == "too-open":
        key.chmod(0o644)
    else:
        FileKeyStore(ccr_home.keys).destroy(TENANT)
    folder = land(ccr_home, "b1", {"a.mp3": audio()}, [row("k-1", "a.mp3")])
    land(ccr_home, "g1", {"g.mp3": audio()}, [row("k-2", "g.mp3", tenant_id=OTHER)], OTHER)
    with pytest.raises(KeyStoreError):
        run_partition(ccr_home, f"{TENANT}__b1")
    run_partition(ccr_home, f"{OTHER}__g1")
    lh = Lakehouse(ccr_home.lakehouse)
    assert lh.read(CALLS)["call_id"].to_list() == ["k-2"] and lh.read(QUARANTINE).is_empty()
    assert sorted(p.name for p in folder.iterdir()) == ["a.mp3", "manifest.csv"]
    # the key store is left as it was: nothing minted anew, nothing "repaired"
    status = FileKeyStore(ccr_home.keys).status(TENANT)
    assert (
        status == "missing"
        if state == "missing"
        else status.startswith(
            {"short": "unusable", "too-open": "unusable", "destroyed": "destroyed"}[state]
        )
    )


# -- an exception nobody foresaw -------------------------------------------------------------


def test_an_unforeseen_exception_quarantines_that_file_only(ccr_home: Settings, monkeypatch):
    def explode(data: bytes):
        raise RuntimeError("decoder said +33639980123")  # a message holding a value

    land(ccr_home, "b1", {"a.mp3": audio(), "b.mp3": audio()},
         [row("u-1", "a.mp3"), row("u-2", "b.mp3")])  # fmt: skip
    real = __import__("transforms.ingest.batch", fromlist=["probe"]).probe
    calls = iter([explode, real])
    monkeypatch.setattr("transforms.ingest.batch.probe", lambda data: next(calls)(data))
    run_partition(ccr_home, f"{TENANT}__b1")
    lh = Lakehouse(ccr_home.lakehouse)
    assert lh.read(CALLS)["call_id"].to_list() == ["u-2"]
    q = lh.read(QUARANTINE).row(0, named=True)
    assert (q["file_name"], q["reason_code"]) == ("a.mp3", "internal_error")
    assert q["reason"] == "unexpected RuntimeError while checking the file"
    assert "+336" not in json.dumps(q, default=str)


def test_a_file_swapped_for_a_link_after_listing_is_not_followed(ccr_home: Settings):
    """The listing saw a regular file; by the time it is read, it is a link to a secret."""
    from transforms.ingest.batch import commit_batch
    from transforms.ingest.landing import batch_from_key
    from transforms.privacy.pseudonymise import caller_key

    folder = land(ccr_home, "b1", {"a.mp3": audio(), "b.mp3": audio()},
                  [row("s-1", "a.mp3"), row("s-2", "b.mp3")])  # fmt: skip
    batch = batch_from_key(ccr_home.landing, f"{TENANT}__b1")
    secret = Path(ccr_home.keys) / f"{OTHER}.key"
    (folder / "a.mp3").unlink()
    os.symlink(secret, folder / "a.mp3")
    keys = FileKeyStore(ccr_home.keys)
    lh = Lakehouse(ccr_home.lakehouse)
    commit_batch(lh, batch, tenants=load_tenants(ccr_home.tenants_file),
                 audio_store=ccr_home.audio_store, quarantine_store=ccr_home.quarantine_store,
                 pseudonymise_phone=lambda t, p: caller_key(keys, t, p),
                 today=date(2026, 12, 1))  # fmt: skip
    q = lh.read(QUARANTINE).row(0, named=True)
    assert (q["file_name"], q["reason_code"], q["quarantine_uri"]) == ("a.mp3", "symlink", None)
    assert lh.read(CALLS)["call_id"].to_list() == ["s-2"]
    assert secret.exists() and not folder.exists()


# -- crashes: kill -9 at each commit point, then a rerun ------------------------------------

CRASH_POINTS = {
    "mid-object-write": "inside the first audio write: temporary file written, not moved",
    "after-first-object": "after the first audio object is written",
    "after-calls-commit": "after the bronze.calls commit",
    "after-quarantine-commit": "after the bronze.quarantine commit",
    "after-first-landing-delete": "after the first landing file is deleted",
    "before-manifest-delete": "after every audio file is deleted, before the manifest",
    "before-folder-removal": "after the manifest is deleted, before the folder is removed",
}
CRASH_SCRIPT = REPO_ROOT / "tests" / "integration" / "crash_ingest.py"


def crash_batch(settings: Settings, batch: str) -> dict[str, bytes]:
    files = {"a.mp3": audio(), "b.wav": audio("wav"), "bad.wav": b"not audio" * 20,
             "stray.mp3": audio()}  # fmt: skip
    rows = [row(f"{batch}-a", "a.mp3"), row(f"{batch}-b", "b.wav"),
            row(f"{batch}-bad", "bad.wav"), row(f"{batch}-ghost", "ghost.wav")]  # fmt: skip
    land(settings, batch, files, rows)
    return files


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_kill_9_at_each_commit_point_then_rerun(ccr_home: Settings, point: str):
    crash_batch(ccr_home, "b1")
    key = f"{TENANT}__b1"
    child = subprocess.run(
        [sys.executable, str(CRASH_SCRIPT), point, key], cwd=REPO_ROOT, capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, timeout=120,
    )  # fmt: skip
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    lh = Lakehouse(ccr_home.lakehouse)
    committed = (lh.read(CALLS).height, lh.read(QUARANTINE).height)
    assert committed == {
        "mid-object-write": (0, 0),
        "after-first-object": (0, 0),
        "after-calls-commit": (2, 0),
    }.get(point, (2, 3))  # the crash hit the point it names
    run_partition(ccr_home, key)  # the rerun
    calls = lh.read(CALLS)
    assert sorted(calls["call_id"]) == ["b1-a", "b1-b"]  # no lost call, no duplicate row
    q = lh.read(QUARANTINE)
    assert sorted(zip(q["file_name"], q["reason_code"], strict=True)) == [
        ("bad.wav", "unsupported_format"),
        ("ghost.wav", "audio_missing"),
        ("stray.mp3", "no_manifest_row"),
    ]
    assert orphans(ccr_home, lh) == []  # no orphan object, no temporary file
    assert not (Path(ccr_home.landing) / TENANT / "b1").exists()
    assert run_partition(ccr_home, key) is None  # and a third run has nothing to do


# -- reviews and names on the way out --------------------------------------------------------


def test_review_links_are_not_followed_and_comments_not_kept(ccr_home: Settings):
    from transforms.review.landing import land_review_files
    from transforms.review.reviews import REVIEW_COLUMNS

    folder = Path(ccr_home.landing) / "_reviews" / TENANT
    folder.mkdir(parents=True)
    secret = Path(ccr_home.keys) / f"{OTHER}.key"
    os.symlink(secret, folder / "week45.csv")
    review = dict.fromkeys(REVIEW_COLUMNS, "x") | {
        "tenant_id": TENANT, "call_id": "no-such-call", "comment": "rappeler le 06 39 98 01 23",
        "reviewed_at": "2026-11-05T10:00:00+01:00",
    }  # fmt: skip
    (folder / "week46.csv").write_bytes(csv_bytes([review], REVIEW_COLUMNS))
    lh = Lakehouse(ccr_home.lakehouse)
    land_review_files(lh, ccr_home.reviews_landing, load_tenants(ccr_home.tenants_file), {})
    q = lh.read(QUARANTINE).sort("file_name")
    assert list(zip(q["file_name"], q["reason_code"], strict=True)) == [
        ("week45.csv", "symlink"),
        ("week46.csv", "review_unknown_call"),
    ]
    assert q["quarantine_uri"].is_null().all()
    assert "06 39" not in q["manifest_row"][1] and "comment" not in json.loads(q["manifest_row"][1])
    assert secret.exists() and list(folder.iterdir()) == []


def test_ccr_land_copies_no_link(ccr_home: Settings, tmp_path: Path):
    from orchestration.cli.pipeline import land as ccr_land

    batch = tmp_path / "drop" / TENANT / "b1"
    batch.mkdir(parents=True)
    (batch / "a.mp3").write_bytes(audio())
    (batch / "manifest.csv").write_bytes(csv_bytes([row("cl-1", "a.mp3")]))
    os.symlink(Path(ccr_home.keys) / f"{OTHER}.key", batch / "k.wav")
    os.symlink(tmp_path, tmp_path / "drop" / TENANT / "linked-batch")
    assert ccr_land(tmp_path / "drop", ccr_home) == 2
    landed = Path(ccr_home.landing) / TENANT
    assert sorted(p.name for p in landed.iterdir()) == ["b1"]
    assert sorted(p.name for p in (landed / "b1").iterdir()) == ["a.mp3", "manifest.csv"]


def test_ccr_prints_file_names_masked():
    from orchestration.cli.kpis import quarantine_lines

    rows = pl.DataFrame(
        {"tenant_id": [TENANT], "file_name": ["+33 6 39 98 01 23.wav"], "reason": ["r"]}
    )  # a row stored before names were masked
    assert quarantine_lines(rows) == [f"  quarantined {TENANT}/+xx x xx xx xx xx.wav: r"]


# -- the docs table --------------------------------------------------------------------------

#: Cases tested by a function of their own (or elsewhere): (id, group, input, outcome, test).
FUNCTION_CASES = [
    ("quiet-period", "timing", "files changed within `CCR_LANDING_QUIET_S`",
     "left for later; taken once unchanged", "test_quiet_period"),
    ("file-changing-at-run-time", "timing", "a file written after the sensor looked",
     "left with the manifest; stored by the next run, once",
     "test_file_still_changing_at_run_time"),
    ("late-file", "timing", "a file arriving after its batch ran",
     "`late_file` (bytes kept), never stranded",
     "test_late_file_is_landed_as_late_file_not_stranded"),
    ("no-manifest-yet", "timing", "a folder without a manifest; a file beside the batch folders",
     "waits, reported (names masked)", "test_a_folder_without_manifest_waits_and_is_reported"),
    ("relanded-same-times", "timing", "the same files landed again keeping their times",
     "a new run; already ingested, nothing new",
     "test_relanded_with_the_same_times_gets_a_new_run"),
    ("failed-run-retried", "timing", "a run fails (missing key), then the key is created",
     "not retried while nothing changed; retried after the back-off or at once after the fix",
     "test_a_failed_run_is_retried_once_the_cause_is_fixed"),
    ("unforeseen-exception", "formats", "the decoder raises an unexpected error with a value",
     "`internal_error` (class only) for that file; the rest stored",
     "test_an_unforeseen_exception_quarantines_that_file_only"),
    ("swapped-for-a-link", "links", "a file replaced by a link to a key after the listing",
     "`symlink` (opened with `O_NOFOLLOW`); nothing read",
     "test_a_file_swapped_for_a_link_after_listing_is_not_followed"),
    *[(f"kill-9-{p}", "crashes", f"kill -9 {w}",
       "rerun: no lost call, no duplicate row, no orphan object",
       "test_kill_9_at_each_commit_point_then_rerun") for p, w in CRASH_POINTS.items()],
    *[(f"key-{s}", "key store", f"the tenant's key is {w}",
       "nothing stored, the batch waits; other tenants unaffected",
       "test_key_store_state_stops_only_that_tenant")
      for s, w in (("missing", "missing"), ("short", "3 bytes long"),
                   ("too-open", "readable by others (0644)"),
                   ("destroyed", "destroyed (tombstone)"))],
    ("key-states-in-dagster", "key store", "missing, too-open, destroyed key in the real job",
     "the run fails closed", "tests/integration/test_quality_gates.py::"
     "test_a_tenant_whose_key_cannot_be_used_is_not_ingested_and_its_files_wait"),
    ("review-link-and-comment", "reviews", "a review CSV that is a link; a comment with a number",
     "`symlink` unread; the comment not kept",
     "test_review_links_are_not_followed_and_comments_not_kept"),
    ("upload-finishes-later", "timing", "the `.partial` a row waited for is renamed",
     "the next run stores the call once; never `audio_missing` nor `late_file`",
     "test_a_row_whose_audio_is_still_uploading_waits_then_stores_it"),
    ("review-of-another-tenant", "reviews", "a review CSV row naming another tenant, or none",
     "`review_tenant_mismatch`; a file without the column `review_file_unreadable`",
     "tests/unit/review/test_reviews.py::test_a_review_file_must_name_the_folders_tenant_on_every_row"),
    ("review-free-text-shifted", "reviews", "an unquoted comma shifts a comment's name and number",
     "the row kept with those values withheld",
     "tests/unit/review/test_reviews.py::test_a_quarantined_review_row_keeps_no_free_text_in_any_column"),
    ("ccr-land-links", "links", "`ccr land` from a tree holding links",
     "links are not copied", "test_ccr_land_copies_no_link"),
    ("ccr-output-masked", "privacy", "a quarantined name holding a phone number",
     "`ccr` prints it masked", "test_ccr_prints_file_names_masked"),
    ("object-store-names", "names", "odd names under an object-store URI",
     "written, listed and read back as paths",
     "tests/unit/core/test_storage.py::test_object_store_paths_take_any_name"),
    ("concurrent-publishes", "concurrency", "two KPI publishes at once",
     "each stages its own file; the published file is always whole", "tests/unit/kpis/"
     "test_publish.py::test_concurrent_publishes_leave_readable_files_and_no_staging_copy"),
    ("one-writer", "concurrency", "two processes MERGE at once",
     "the writer lock serialises them", "tests/unit/core/test_locks.py"),
]  # fmt: skip

TABLE_START, TABLE_END = "<!-- bad-input-cases:start -->", "<!-- bad-input-cases:end -->"


def case_table() -> str:
    """The docs table, generated from the cases."""
    lines = [
        TABLE_START,
        "| case | group | input | outcome |",
        "|---|---|---|---|",
    ]
    rows = [(c.id, c.group, c.what, c.describe()) for c in CASES]
    rows += [(cid, group, what, outcome) for cid, group, what, outcome, _ in FUNCTION_CASES]
    for cid, group, what, outcome in rows:
        cells = (f"`{cid}`", group, what, outcome)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append(TABLE_END)
    return "\n".join(lines)


def test_the_docs_table_lists_exactly_these_cases():
    text = (REPO_ROOT / "docs" / "landing.md").read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    assert text[start:end] == case_table(), "run: python -m tests.integration.test_bad_input"
    assert len(CASES) + len(FUNCTION_CASES) >= 40
    module = Path(__file__).read_text()
    for *_, test in FUNCTION_CASES:
        path, _, name = test.partition("::")
        if name:
            assert f"def {name}(" in (REPO_ROOT / path).read_text(), test
        elif path.startswith("tests/"):
            assert (REPO_ROOT / path).is_file(), test
        else:
            assert f"def {path}(" in module, test


if __name__ == "__main__":
    # Rewrite the table in docs/landing.md from the cases.
    doc = REPO_ROOT / "docs" / "landing.md"
    text = doc.read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    doc.write_text(text[:start] + case_table() + text[end:])
    print(f"wrote {len(CASES) + len(FUNCTION_CASES)} cases into {doc}")
