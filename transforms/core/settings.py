"""Run-time settings: each one declared once, here, with its variable, default, type and meaning.

A setting is a field of ``Settings`` (or of ``ObjectStoreSettings``) declared with ``setting()``:
the field's name and type, the ``CCR_*`` variable that sets it, its default as written, and what
it means. Everything else is derived from those declarations: ``Settings.from_env`` (what the
edges call: the Dagster resource, ``ccr``, the Celery workers, the benchmarks), ``ccr settings``,
and the reference table of docs/configuration.md (``markdown_table``; a test keeps the page equal
to it). Code below the edges never reads the environment: it is given a ``Settings``.

Everything the product writes lives under ``CCR_HOME`` so a demo or a test can be thrown away by
deleting one folder. Each location can be overridden on its own; the lakehouse root may be a URI
(``s3://bucket/prefix``) because every read and write goes through deltalake / pyarrow filesystems.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
#: What ``ccr settings`` shows for a credential that is set.
HIDDEN = "(set, hidden)"


class SettingsError(ValueError):
    """A setting that cannot work; names the variable, never a credential."""


# ------------------------------------------------------------------------------ value types


def _path_or_uri(value: str) -> str:
    """Absolute local path, or the URI untouched (pyarrow/deltalake resolve ``s3://``)."""
    if "://" in value:
        return value.rstrip("/")
    return str(Path(value).expanduser().resolve())


def _local_folder(value: str) -> str:
    return _path_or_uri(value)


def _repo_path(value: str) -> str:
    """A path; relative ones are relative to the repository (the shipped ``config/`` files)."""
    path = Path(value).expanduser()
    return str((path if path.is_absolute() else REPO_ROOT / path).resolve())


def _auto_int(value: str) -> int:
    """``auto`` (0): decided at run time from the cores."""
    return 0 if value in ("", "auto") else int(value)


def _optional(value: str) -> str | None:
    return None if value in ("", "unset") else value


def _auto_str(value: str) -> str:
    return "" if value == "auto" else value


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


#: How a value in the environment (or a default as written) becomes the field's value, and the
#: words the docs use for it.
KINDS: dict[str, tuple[Callable[[str], Any], str]] = {
    "path": (_path_or_uri, "path or URI"),
    "local": (_local_folder, "local folder"),
    "local_file": (_local_folder, "local file"),
    "repo_path": (_repo_path, "path (relative: to the repository)"),
    "int": (int, "integer"),
    "auto_int": (_auto_int, "integer or `auto`"),
    "float": (float, "number"),
    "str": (str, "text"),
    "auto_str": (_auto_str, "text or `auto`"),
    "optional": (_optional, "text, or unset"),
    "url": (_optional, "URL, or unset"),
    "flag": (_flag, "`true` or `false`"),
}


def setting(
    var: str,
    default: str,
    doc: str,
    *,
    kind: str = "str",
    section: str,
    secret: bool = False,
    shown_default: str | None = None,
    see: str = "",
    static: bool = False,
) -> Any:
    """Declare a field as the setting ``var``: ``default`` is written as a user would set it
    (``$CCR_HOME/…`` and ``$OTHER_VAR`` refer to other settings, ``auto``/``unset`` mean the value
    is decided at run time), parsed by ``kind`` like a value from the environment. ``static``:
    the default depends on no other setting, so the field has it as its Python default too."""
    if kind not in KINDS:
        raise ValueError(f"{var}: unknown kind {kind!r}")
    meta = {
        "var": var,
        "default": default,
        "doc": doc,
        "kind": kind,
        "section": section,
        "secret": secret,
        "shown_default": shown_default or default,
        "see": see,
    }
    if static:
        return field(default=KINDS[kind][0](default), metadata=meta, repr=not secret)
    return field(metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Declared:
    """One setting as declared: where it is (``object_store.region``) and its metadata."""

    path: str
    var: str
    default: str
    doc: str
    kind: str
    section: str
    secret: bool
    shown_default: str
    see: str


def _declared(cls: type, prefix: str = "") -> Iterator[Declared]:
    for f in dataclasses.fields(cls):
        if "var" in f.metadata:
            yield Declared(prefix + f.name, **f.metadata)
        elif f.name in _NESTED:
            yield from _declared(_NESTED[f.name], f"{prefix}{f.name}.")


# ------------------------------------------------------------------------------ the settings

_S3 = "object storage"


@dataclass(frozen=True)
class ObjectStoreSettings:
    """Endpoint, region and credentials of the lakehouse's object store (docs/object-storage.md).

    Unset credentials leave the choice to the AWS SDKs' own chain (``AWS_*`` variables, an
    instance or pod role), so production needs no key in the environment. The credentials are
    left out of ``repr`` (a settings object printed in a traceback or a log line shows none).
    """

    endpoint_url: str | None = setting(
        "CCR_S3_ENDPOINT_URL",
        "unset",
        "S3 endpoint of a store that is not AWS (MinIO, SeaweedFS, Ceph, a cloud's S3 API)",
        kind="url",
        section=_S3,
        static=True,
        shown_default="AWS",
    )
    region: str = setting(
        "CCR_S3_REGION", "us-east-1", "the bucket's region", section=_S3, static=True
    )
    access_key_id: str | None = setting(
        "CCR_S3_ACCESS_KEY_ID",
        "unset",
        "static credentials; unset, delta-rs, pyarrow and boto3 each use the AWS SDKs' own chain, "
        "which is what production should use",
        kind="optional",
        section=_S3,
        static=True,
        secret=True,
        shown_default="SDK chain",
    )
    secret_access_key: str | None = setting(
        "CCR_S3_SECRET_ACCESS_KEY",
        "unset",
        "the secret of the static credentials (never printed or logged)",
        kind="optional",
        section=_S3,
        static=True,
        secret=True,
        shown_default="SDK chain",
    )
    allow_http: bool = setting(
        "CCR_S3_ALLOW_HTTP",
        "false",
        "allow a plain `http://` endpoint (loopback tests only)",
        kind="flag",
        section=_S3,
        static=True,
    )
    virtual_hosted: bool = setting(
        "CCR_S3_VIRTUAL_HOSTED",
        "false",
        "bucket in the host name (`bucket.s3.example.net`) instead of the path",
        kind="flag",
        section=_S3,
        static=True,
    )
    sse: str | None = setting(
        "CCR_S3_SSE",
        "unset",
        "server-side encryption asked of the store on Delta writes: `AES256` (SSE-S3) or "
        "`aws:kms` (SSE-KMS); on top of the product's own per-tenant encryption",
        kind="optional",
        section=_S3,
        static=True,
        see="encryption.md#server-side-encryption",
    )
    sse_kms_key_id: str | None = setting(
        "CCR_S3_SSE_KMS_KEY_ID",
        "unset",
        "the KMS key of `CCR_S3_SSE=aws:kms` (unset: the account's default key)",
        kind="optional",
        section=_S3,
        static=True,
    )

    def secrets(self) -> tuple[str, ...]:
        """The values no message may hold (``transforms.core.object_store.redact``)."""
        return tuple(v for v in (self.access_key_id, self.secret_access_key) if v)


_WHERE = "locations"
_ASR = "transcription"
_LAND = "landing"
_ANON = "anonymised statistics"
_BACKUP = "backups"
_SCALE = "scale-out"
_LINEAGE = "lineage"
_UI = "the UI behind nginx"


@dataclass(frozen=True)
class Settings:
    home: str = setting(
        "CCR_HOME",
        "./data",
        "root folder for everything the product writes; a demo or a test is thrown away by "
        "deleting it (`make` sets it to `data/` in the repository)",
        kind="local",
        section=_WHERE,
    )
    landing: str = setting(
        "CCR_LANDING",
        "$CCR_HOME/landing",
        "where call centres drop `<tenant>/<batch>/` folders",
        kind="path",
        section=_WHERE,
        see="landing.md",
    )
    lakehouse: str = setting(
        "CCR_LAKEHOUSE",
        "$CCR_HOME/lakehouse",
        "Delta tables, audio store and quarantined bytes; a path or `s3://bucket/prefix`",
        kind="path",
        section=_WHERE,
        see="object-storage.md",
    )
    warehouse: str = setting(
        "CCR_WAREHOUSE",
        "$CCR_HOME/warehouse",
        "what BI reads: `tenants/<tenant>.duckdb` and `.html`; dbt's build file stays in "
        "`$CCR_HOME/build`",
        kind="local",
        section=_WHERE,
        see="bi.md",
    )
    keys: str = setting(
        "CCR_KEYS",
        "$XDG_CONFIG_HOME/callcenterrate/keys",
        "the per-tenant pseudonym keys (0600 files); outside `CCR_HOME`, which BI readers, "
        "backups and exports see",
        kind="local",
        section=_WHERE,
        shown_default="$XDG_CONFIG_HOME/callcenterrate/keys (`~/.config/…`)",
    )
    dagster_home: str = setting(
        "DAGSTER_HOME",
        "$CCR_HOME/dagster",
        "Dagster's instance (runs, event logs, schedules): the one `ccr` and `make dev` share",
        kind="local",
        section=_WHERE,
    )
    tenants_file: str = setting(
        "CCR_TENANTS_FILE",
        "config/tenants.yaml",
        "tenant registry (unknown tenants are quarantined)",
        kind="repo_path",
        section=_WHERE,
    )
    scorecards_dir: str = setting(
        "CCR_SCORECARDS",
        "config/scorecards",
        "versioned scorecard YAML files and `_assignments.yaml`",
        kind="repo_path",
        section=_WHERE,
        see="scorecards.md",
    )
    taxonomies_dir: str = setting(
        "CCR_TAXONOMIES",
        "config/taxonomies",
        "call-topic rules: `<tenant>.yaml`, else `default.yaml`",
        kind="repo_path",
        section=_WHERE,
    )
    deployment_file: str = setting(
        "CCR_DEPLOYMENT_FILE",
        "config/deployment.yaml",
        "the processor's legal identity and contacts, its hosting and sub-processors with their "
        "countries: the record of processing is written from it, and a location outside the EEA "
        "without a safeguard stops every process at start-up",
        kind="repo_path",
        section=_WHERE,
        see="compliance.md#transfers-outside-the-eea",
    )
    whisper_model: str | None = setting(
        "CCR_WHISPER_MODEL",
        "unset",
        "any CTranslate2 Whisper model folder; unset, the bundled multilingual base model",
        kind="optional",
        section=_ASR,
        shown_default="bundled base",
    )
    model_cache: str = setting(
        "CCR_MODEL_CACHE",
        "~/.cache/callcenterrate",
        "where the bundled model is assembled once, large regular expressions are kept compiled and"
        " redaction's name lists kept as derived",
        kind="local",
        section=_ASR,
    )
    #: CTranslate2 defaults to 4 threads whatever the box: on 2 cores that oversubscribes.
    whisper_threads: int = setting(
        "CCR_WHISPER_THREADS",
        "auto",
        "CTranslate2 threads per transcription process (auto: cores / processes)",
        kind="auto_int",
        section=_ASR,
    )
    #: 0 = decided from the core count (``transforms.transcribe.pool.plan_workers``)
    whisper_workers: int = setting(
        "CCR_WHISPER_WORKERS",
        "auto",
        "transcription processes, one model each (auto: cores up to 2, then cores/2)",
        kind="auto_int",
        section=_ASR,
    )
    whisper_beam: int = setting(
        "CCR_WHISPER_BEAM",
        "5",
        "beam size; 1 (greedy) is faster, less accurate (docs/benchmarks.md)",
        kind="int",
        section=_ASR,
    )
    whisper_device: str = setting(
        "CCR_WHISPER_DEVICE",
        "cpu",
        "where Whisper runs: `cpu`, or `cuda` on a GPU worker",
        section=_ASR,
        see="scale-out.md",
    )
    #: "" = auto: int8 on CPU (1.1-1.9x faster than float32, same WER), float16 on a GPU.
    whisper_compute_type: str = setting(
        "CCR_WHISPER_COMPUTE_TYPE",
        "auto",
        "CTranslate2 compute type (auto: `int8` on cpu, `float16` on cuda); part of the model "
        "id, so changing it transcribes again",
        kind="auto_str",
        section=_ASR,
    )
    #: An upload is still running while its files change (SFTP clients write for minutes).
    landing_quiet_s: float = setting(
        "CCR_LANDING_QUIET_S",
        "60",
        "a landing batch is taken once nothing in its folder changed for this many seconds",
        kind="float",
        section=_LAND,
        see="landing.md#when-a-batch-is-taken",
    )
    landing_retry_s: float = setting(
        "CCR_LANDING_RETRY_S",
        "300",
        "first wait before a failed batch run is retried (s); doubled after each failure, up to "
        "6 h",
        kind="float",
        section=_LAND,
    )
    #: 4 h of 16 kHz stereo WAV is about 920 MB.
    max_file_mb: int = setting(
        "CCR_MAX_FILE_MB",
        "1024",
        "a larger landing file is quarantined before it is read (`file_too_large`)",
        kind="int",
        section=_LAND,
    )
    backups: str | None = setting(
        "CCR_BACKUPS",
        "unset",
        "where `ccr backup create` writes snapshots: a folder on another disk or an `s3://` "
        "prefix, never under `CCR_HOME` (keys are never in a backup); unset: no backups",
        kind="optional",
        section=_BACKUP,
        see="backups.md",
    )
    backup_retention_days: int = setting(
        "CCR_BACKUP_RETENTION_DAYS",
        "30",
        "a backup older than this is deleted by `ccr backup prune` (the daily schedule): erased "
        "data lives in backups no longer than this",
        kind="int",
        section=_BACKUP,
        see="backups.md",
    )
    anon_min_calls: int = setting(
        "CCR_ANON_MIN_CALLS",
        "20",
        "anonymised statistics: fewest calls a published cell may have",
        kind="int",
        section=_ANON,
        see="retention.md#anonymised-statistics",
    )
    anon_min_agents: int = setting(
        "CCR_ANON_MIN_AGENTS",
        "5",
        "anonymised statistics: fewest distinct agents a published cell may have",
        kind="int",
        section=_ANON,
    )
    #: None: steps run in the run's own process(es), as without Celery.
    celery_broker: str | None = setting(
        "CCR_CELERY_BROKER",
        "unset",
        "Celery broker URL (`redis://host:6379/0`): every step of a call batch runs on a "
        "Celery worker; a password in it is printed as `***`",
        kind="url",
        section=_SCALE,
        see="scale-out.md",
    )
    celery_backend: str | None = setting(
        "CCR_CELERY_BACKEND",
        "$CCR_CELERY_BROKER",
        "Celery result backend URL",
        kind="url",
        section=_SCALE,
    )
    #: 0 = auto: two batch runs at once with Celery (one per worker here), one without.
    batch_parallel: int = setting(
        "CCR_BATCH_PARALLEL",
        "auto",
        "batch runs `ccr run` executes at once (auto: 2 with a broker, 1 without)",
        kind="auto_int",
        section=_SCALE,
    )
    lineage_file: str = setting(
        "CCR_LINEAGE_FILE",
        "$CCR_HOME/lineage/openlineage.jsonl",
        "where OpenLineage events go (one JSON event a line, 0600) when no `OPENLINEAGE_*` "
        "transport is configured",
        kind="local_file",
        section=_LINEAGE,
        see="lineage.md",
    )
    lineage_namespace: str = setting(
        "CCR_LINEAGE_NAMESPACE",
        "callcenterrate",
        "the OpenLineage job namespace of this deployment",
        section=_LINEAGE,
        static=True,
    )
    #: Loopback by default: opening the UI to the network is a decision (0.0.0.0:8443).
    ui_listen: str = setting(
        "CCR_UI_LISTEN",
        "127.0.0.1:8443",
        "address:port where `make dev-secure`'s nginx listens (TLS); `0.0.0.0:8443` opens the UI "
        "to the network",
        section=_UI,
        static=True,
        see="security.md",
    )
    ui_port: int = setting(
        "CCR_UI_PORT",
        "3000",
        "loopback port of the operators' Dagster webserver behind nginx; the read-only one takes "
        "the next port",
        kind="int",
        section=_UI,
        static=True,
    )
    object_store: ObjectStoreSettings = field(default_factory=ObjectStoreSettings)

    # -------------------------------------------------------------------- building

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The settings an environment gives: what the edges call with the process's, and
        tests with a dict. A variable set to an empty string counts as unset."""
        values: dict[str, str] = {}
        for d in declared():
            raw = env.get(d.var) or ""
            values[d.var] = raw
        return cls.from_values(values, home_env=env)

    @classmethod
    def from_values(
        cls, values: Mapping[str, str], home_env: Mapping[str, str] | None = None
    ) -> Settings:
        """Build from ``{variable: raw value}`` (missing or empty: the default)."""
        for d in declared():
            if d.kind in ("local", "local_file") and "://" in (values.get(d.var) or ""):
                raise SettingsError(
                    f"{d.var} must be a {KINDS[d.kind][1]}, not a URI: published DuckDB files are "
                    "renamed atomically and read page by page by BI drivers, locks and keys need "
                    "a local file system; only CCR_LAKEHOUSE may be an object store "
                    "(docs/object-storage.md)"
                )
        outer = dict(home_env or {})
        raw: dict[str, str] = {}
        parsed: dict[str, Any] = {}
        # declared order: a default may refer to a setting declared before it
        for d in declared():
            given = values.get(d.var) or ""
            text = given or _expand(d.default, raw, outer)
            raw[d.var] = text
            try:
                parsed[d.path] = KINDS[d.kind][0](text)
            except (TypeError, ValueError) as exc:
                shown = "(hidden)" if d.secret else repr(given)
                raise SettingsError(f"{d.var}={shown}: not a {KINDS[d.kind][1]}") from exc
        store = {k.split(".", 1)[1]: v for k, v in parsed.items() if k.startswith("object_store.")}
        top = {k: v for k, v in parsed.items() if "." not in k}
        return cls(**top, object_store=ObjectStoreSettings(**store))

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    # -------------------------------------------------------------------- showing

    def effective(self) -> dict[str, str]:
        """Each variable with the value in force (``auto``/``unset`` where decided at run time,
        credentials hidden, passwords in URLs masked): what ``ccr settings`` prints."""
        out = {}
        for d in declared():
            value = self._get(d.path)
            if d.secret:
                out[d.var] = HIDDEN if value else d.shown_default
            elif value in (None, 0, "") and d.kind in ("auto_int", "auto_str", "optional", "url"):
                out[d.var] = d.shown_default
            elif d.kind == "url":
                out[d.var] = without_password(str(value))
            elif d.kind == "flag":
                out[d.var] = str(value).lower()
            else:
                out[d.var] = str(value)
        return out

    def _get(self, path: str) -> Any:
        value: Any = self
        for part in path.split("."):
            value = getattr(value, part)
        return value

    # -------------------------------------------------------------------- derived

    def broker_problems(self) -> list[str]:
        """Why the broker or backend settings must be refused (``broker_problem``); empty if
        they may be used."""
        found = [
            broker_problem(self.celery_broker, "CCR_CELERY_BROKER"),
            broker_problem(self.celery_backend, "CCR_CELERY_BACKEND"),
        ]
        return list(dict.fromkeys(p for p in found if p))

    @property
    def compute_type(self) -> str:
        """The CTranslate2 compute type in force: int8 has no fast kernels on GPUs, float16 none
        on most CPUs."""
        if self.whisper_compute_type:
            return self.whisper_compute_type
        return "float16" if self.whisper_device.startswith("cuda") else "int8"

    @property
    def batch_runs_at_once(self) -> int:
        """Batch runs executed together: with Celery, enough to keep two workers busy (one
        batch run is a chain of steps, so it keeps only one worker busy at a time)."""
        if self.batch_parallel:
            return self.batch_parallel
        return 2 if self.celery_broker else 1

    @property
    def audio_store(self) -> str:
        return f"{self.lakehouse}/audio"

    @property
    def quarantine_store(self) -> str:
        return f"{self.lakehouse}/quarantine_files"

    @property
    def reviews_landing(self) -> str:
        """Review CSVs: ``<landing>/_reviews/<tenant>/*.csv`` (the batch sensor skips ``_*``)."""
        return f"{self.landing}/_reviews"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def anonymised_database(self) -> str:
        """The anonymised statistics as a DuckDB file (kept after the tenants' data is deleted);
        the operator's, beside its other files, not in the folder tenants' BI accounts read."""
        return f"{self.home}/operator/anonymised.duckdb"

    @property
    def compliance_dir(self) -> str:
        """The erasure ledger, deletion certificates and the record of processing."""
        return f"{self.home}/compliance"

    @property
    def logs_dir(self) -> str:
        return f"{self.home}/logs"

    @property
    def build_dir(self) -> str:
        """dbt's working files (build database, target and log folders): never where BI reads,
        under CCR_HOME with the data they describe, cleared by every erasure."""
        return f"{self.home}/build"

    @property
    def kpi_build_database(self) -> str:
        return f"{self.build_dir}/kpis.build.duckdb"

    @property
    def dbt_target_dir(self) -> str:
        """dbt's per-build target folders (compiled SQL, run results, dbt.log)."""
        return f"{self.build_dir}/dbt"

    @property
    def locks_dir(self) -> str:
        """Lock files that cannot live beside what they guard (a lakehouse on S3)."""
        return f"{self.home}/locks"


#: Fields that hold another group of settings.
_NESTED: dict[str, type] = {"object_store": ObjectStoreSettings}


def declared() -> tuple[Declared, ...]:
    """Every setting, in declaration order."""
    return tuple(_declared(Settings))


_REFERENCE = re.compile(r"\$([A-Z_][A-Z0-9_]*)")


def _expand(default: str, raw: Mapping[str, str], outer: Mapping[str, str]) -> str:
    """``$CCR_HOME/landing`` → the home in force + ``/landing``. ``$XDG_CONFIG_HOME`` (not a
    setting) falls back to ``~/.config``, as the XDG specification says."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in raw:
            return raw[name]
        if name == "XDG_CONFIG_HOME":
            return outer.get(name) or "~/.config"
        raise KeyError(f"default refers to {name}, which is not declared before it")

    return _REFERENCE.sub(value, default)


def without_password(url: str) -> str:
    """A broker URL fit to print: ``redis://:secret@host`` → ``redis://:***@host``."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


#: Broker transports that never leave the machine (a Unix socket, Celery's in-memory broker).
_LOCAL_TRANSPORTS = ("redis+socket", "socket", "memory")


def _is_loopback(host: str | None) -> bool:
    if host is None or host.lower() == "localhost":
        return True  # redis:// with no host is localhost
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve anywhere
        return False


def broker_problem(url: str | None, variable: str = "CCR_CELERY_BROKER") -> str | None:
    """Why a Celery broker (or backend) URL must be refused, or None.

    Whoever can write to the broker sends steps to workers that hold every tenant's data and
    keys: a broker on another host needs a password. Loopback (and a Unix socket) is this
    machine's own; any host name other than ``localhost`` counts as another host, since it may
    resolve anywhere. The message names the variable and the host, never the URL (it may hold a
    password elsewhere).
    """
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in _LOCAL_TRANSPORTS or _is_loopback(parts.hostname):
        return None
    if parts.password:
        return None
    return (
        f"{variable} points at {parts.hostname}, another host, with no password: anyone who "
        "reaches that broker could send steps to the workers, which hold every tenant's data "
        "and keys. Give Redis a password (requirepass) and use Redis over TLS for other hosts: "
        f"{variable}=rediss://:PASSWORD@{parts.hostname}:6380/0?ssl_cert_reqs=required "
        "(docs/security.md#the-celery-broker)"
    )


def broker_in_clear(url: str | None) -> bool:
    """A password-protected broker on another host reached without TLS (``redis://``): allowed,
    but the password and every step's message cross the network readable."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme == "redis" and not _is_loopback(parts.hostname)


def markdown_table(section: str | None = None) -> str:
    """The reference table of docs/configuration.md, generated from the declarations."""
    rows = ["| variable | default | type | meaning |", "|---|---|---|---|"]
    for d in declared():
        if section is not None and d.section != section:
            continue
        see = f" ([{d.see.split('#')[0]}]({d.see}))" if d.see else ""
        default = d.shown_default.replace("|", "\\|")
        default = default if default.startswith("$XDG") else f"`{default}`"
        rows.append(f"| `{d.var}` | {default} | {KINDS[d.kind][1]} | {d.doc}{see} |")
    return "\n".join(rows)
