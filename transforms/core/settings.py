"""Run-time settings, read from environment variables with documented defaults.

Everything the product writes lives under ``CCR_HOME`` so a demo or a test can be thrown away by
deleting one folder. Each location can be overridden on its own; the lakehouse root may be a URI
(``s3://bucket/prefix``) because every read and write goes through deltalake / pyarrow filesystems.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Documented settings: name -> (default, meaning); `ccr settings` prints them.
ENV_VARS: dict[str, tuple[str, str]] = {
    "CCR_HOME": ("./data", "root folder for everything the product writes"),
    "CCR_LANDING": ("$CCR_HOME/landing", "where call centres drop <tenant>/<batch>/ folders"),
    "CCR_LAKEHOUSE": ("$CCR_HOME/lakehouse", "Delta tables and audio store (path or URI)"),
    "CCR_WAREHOUSE": (
        "$CCR_HOME/warehouse",
        "what BI reads: tenants/<tenant>.duckdb (one tenant's KPIs) and its .html report",
    ),
    "CCR_KEYS": (
        "~/.config/callcenterrate/keys",
        "per-tenant pseudonym keys (0600 files), outside the data BI and backups see",
    ),
    "CCR_TENANTS_FILE": ("config/tenants.yaml", "tenant registry"),
    "CCR_SCORECARDS": ("config/scorecards", "folder of versioned scorecard YAML files"),
    "CCR_TAXONOMIES": ("config/taxonomies", "call-topic taxonomies (<tenant>.yaml, default.yaml)"),
    "CCR_WHISPER_MODEL": ("bundled base", "CTranslate2 Whisper model folder"),
    "CCR_MODEL_CACHE": ("~/.cache/callcenterrate", "where the bundled model is assembled once"),
    "CCR_WHISPER_THREADS": ("auto", "CTranslate2 threads per worker (auto: cores / workers)"),
    "CCR_WHISPER_WORKERS": ("auto", "transcription processes (auto: cores up to 2, then cores/2)"),
    "CCR_WHISPER_BEAM": ("5", "beam size (1 = greedy: a little faster, ~2 WER points worse)"),
    "CCR_LANDING_QUIET_S": ("60", "a landing batch is taken once unchanged this long (s)"),
    "CCR_LANDING_RETRY_S": ("300", "wait before a failed batch is retried (s, then doubled)"),
    "CCR_MAX_FILE_MB": ("1024", "larger landing files are quarantined unread (file_too_large)"),
    "CCR_ANON_MIN_CALLS": ("20", "anonymised statistics: fewest calls a published cell may have"),
    "CCR_ANON_MIN_AGENTS": ("5", "anonymised statistics: fewest distinct agents a cell may have"),
    # -- scale-out: Celery workers and the Whisper device (docs/scale-out.md)
    "CCR_CELERY_BROKER": ("unset", "Celery broker URL (redis://…): batch steps run on workers"),
    "CCR_CELERY_BACKEND": ("$CCR_CELERY_BROKER", "Celery result backend URL"),
    "CCR_BATCH_PARALLEL": ("auto", "batch runs at once with Celery (auto: 2; 1 without Celery)"),
    "CCR_WHISPER_DEVICE": ("cpu", "where Whisper runs: cpu, or cuda on a GPU worker"),
    "CCR_WHISPER_COMPUTE_TYPE": ("auto", "compute type (auto: int8 on cpu, float16 on cuda)"),
}


#: The ``Settings`` field each variable sets.
FIELD_OF: dict[str, str] = {
    "CCR_HOME": "home",
    "CCR_LANDING": "landing",
    "CCR_LAKEHOUSE": "lakehouse",
    "CCR_WAREHOUSE": "warehouse",
    "CCR_KEYS": "keys",
    "CCR_TENANTS_FILE": "tenants_file",
    "CCR_SCORECARDS": "scorecards_dir",
    "CCR_TAXONOMIES": "taxonomies_dir",
    "CCR_WHISPER_MODEL": "whisper_model",
    "CCR_MODEL_CACHE": "model_cache",
    "CCR_WHISPER_THREADS": "whisper_threads",
    "CCR_WHISPER_WORKERS": "whisper_workers",
    "CCR_WHISPER_BEAM": "whisper_beam",
    "CCR_LANDING_QUIET_S": "landing_quiet_s",
    "CCR_LANDING_RETRY_S": "landing_retry_s",
    "CCR_MAX_FILE_MB": "max_file_mb",
    "CCR_ANON_MIN_CALLS": "anon_min_calls",
    "CCR_ANON_MIN_AGENTS": "anon_min_agents",
    # -- scale-out
    "CCR_CELERY_BROKER": "celery_broker",
    "CCR_CELERY_BACKEND": "celery_backend",
    "CCR_BATCH_PARALLEL": "batch_parallel",
    "CCR_WHISPER_DEVICE": "whisper_device",
    "CCR_WHISPER_COMPUTE_TYPE": "whisper_compute_type",
}
#: Fields where 0 (or None) means "decided at run time": shown with their documented default.
_AUTO_FIELDS = (
    "whisper_model",
    "whisper_threads",
    "whisper_workers",
    "celery_broker",
    "celery_backend",
    "batch_parallel",
    "whisper_compute_type",
)


def _path_or_uri(value: str) -> str:
    """Absolute local path, or the URI untouched (pyarrow/deltalake resolve ``s3://``)."""
    if "://" in value:
        return value.rstrip("/")
    return str(Path(value).expanduser().resolve())


def without_password(url: str) -> str:
    """A broker URL fit to print: ``redis://:secret@host`` → ``redis://:***@host``."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def _auto_int(value: str | None) -> int:
    return 0 if not value or value == "auto" else int(value)


# ------------------------------------------------------------------ object storage (issue 15)
#: The object store a ``CCR_LAKEHOUSE=s3://bucket/prefix`` lives in (docs/object-storage.md).
#: Unset credentials leave the choice to the AWS SDKs' own chain (``AWS_*`` variables, an
#: instance or pod role), so production needs no key in the environment.
S3_ENV_VARS: dict[str, tuple[str, str]] = {
    "CCR_S3_ENDPOINT_URL": ("AWS", "S3 endpoint of a non-AWS store (e.g. http://127.0.0.1:8333)"),
    "CCR_S3_REGION": ("us-east-1", "S3 region"),
    "CCR_S3_ACCESS_KEY_ID": ("SDK chain", "S3 access key id (never printed or logged)"),
    "CCR_S3_SECRET_ACCESS_KEY": ("SDK chain", "S3 secret access key (never printed or logged)"),
    "CCR_S3_ALLOW_HTTP": ("false", "allow plain HTTP to the endpoint (loopback tests only)"),
    "CCR_S3_VIRTUAL_HOSTED": ("false", "bucket in the host name instead of the path"),
}
ENV_VARS.update(S3_ENV_VARS)
#: What ``ccr settings`` shows for a credential that is set.
HIDDEN = "(set, hidden)"
#: Settings that must be local folders: the published DuckDB files need an atomic rename and
#: page-level reads, the writer lock and the erasure ledger a local file lock.
LOCAL_ONLY = ("CCR_HOME", "CCR_WAREHOUSE", "CCR_KEYS")


class SettingsError(ValueError):
    """A setting that cannot work; names the variable, never a credential."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _check_local(env: Mapping[str, str]) -> None:
    for var in LOCAL_ONLY:
        if "://" in env.get(var, ""):
            raise SettingsError(
                f"{var} must be a local folder, not a URI: published DuckDB files are renamed "
                "atomically and read page by page by BI drivers, which needs a local file "
                "system; only CCR_LAKEHOUSE may be an object store (docs/object-storage.md)"
            )


@dataclass(frozen=True)
class ObjectStoreSettings:
    """Endpoint, region and credentials of the lakehouse's object store.

    The credentials are left out of ``repr`` (a settings object printed in a traceback or a log
    line shows none) and shown as hidden by ``effective``.
    """

    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    allow_http: bool = False
    virtual_hosted: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ObjectStoreSettings:
        env = os.environ if env is None else env
        return cls(
            endpoint_url=(env.get("CCR_S3_ENDPOINT_URL") or "").rstrip("/") or None,
            region=env.get("CCR_S3_REGION") or "us-east-1",
            access_key_id=env.get("CCR_S3_ACCESS_KEY_ID") or None,
            secret_access_key=env.get("CCR_S3_SECRET_ACCESS_KEY") or None,
            allow_http=_flag(env.get("CCR_S3_ALLOW_HTTP")),
            virtual_hosted=_flag(env.get("CCR_S3_VIRTUAL_HOSTED")),
        )

    def effective(self) -> dict[str, str]:
        secret = {True: HIDDEN, False: S3_ENV_VARS["CCR_S3_ACCESS_KEY_ID"][0]}
        return {
            "CCR_S3_ENDPOINT_URL": self.endpoint_url or S3_ENV_VARS["CCR_S3_ENDPOINT_URL"][0],
            "CCR_S3_REGION": self.region,
            "CCR_S3_ACCESS_KEY_ID": secret[bool(self.access_key_id)],
            "CCR_S3_SECRET_ACCESS_KEY": secret[bool(self.secret_access_key)],
            "CCR_S3_ALLOW_HTTP": str(self.allow_http).lower(),
            "CCR_S3_VIRTUAL_HOSTED": str(self.virtual_hosted).lower(),
        }

    def secrets(self) -> tuple[str, ...]:
        """The values no message may hold (``transforms.core.object_store.redact``)."""
        return tuple(v for v in (self.access_key_id, self.secret_access_key) if v)


# ------------------------------------------------------------------ end of object storage


@dataclass(frozen=True)
class Settings:
    home: str
    landing: str
    lakehouse: str
    warehouse: str
    keys: str
    tenants_file: str
    scorecards_dir: str
    taxonomies_dir: str
    whisper_model: str | None
    model_cache: str
    whisper_threads: int
    whisper_beam: int
    #: 0 = decided from the core count (``transforms.transcribe.pool.plan_workers``)
    whisper_workers: int = 0
    #: An upload is still running while its files change (SFTP clients write for minutes).
    landing_quiet_s: float = 60.0
    landing_retry_s: float = 300.0
    max_file_mb: int = 1024
    #: Anonymised statistics publish a cell only with at least this many calls and agents.
    anon_min_calls: int = 20
    anon_min_agents: int = 5
    object_store: ObjectStoreSettings = field(default_factory=ObjectStoreSettings)
    # -- scale-out (docs/scale-out.md)
    #: None: steps run in the run's own process(es), as without Celery.
    celery_broker: str | None = None
    #: None: the broker's URL (Redis holds both).
    celery_backend: str | None = None
    #: 0 = auto: two batch runs at once with Celery (one per worker here), one without.
    batch_parallel: int = 0
    whisper_device: str = "cpu"
    #: "" = auto: int8 on CPU (1.1-1.9x faster than float32, same WER), float16 on a GPU.
    whisper_compute_type: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        _check_local(env)
        home = _path_or_uri(env.get("CCR_HOME", "./data"))

        def under_home(var: str, leaf: str) -> str:
            return _path_or_uri(env[var]) if env.get(var) else f"{home}/{leaf}"

        return cls(
            home=home,
            landing=under_home("CCR_LANDING", "landing"),
            lakehouse=under_home("CCR_LAKEHOUSE", "lakehouse"),
            warehouse=under_home("CCR_WAREHOUSE", "warehouse"),
            # Not under CCR_HOME: the folder BI readers, backups and exports see holds no secret.
            keys=_path_or_uri(
                env.get("CCR_KEYS")
                or f"{env.get('XDG_CONFIG_HOME') or '~/.config'}/callcenterrate/keys"
            ),
            tenants_file=_path_or_uri(
                env.get("CCR_TENANTS_FILE", str(REPO_ROOT / "config" / "tenants.yaml"))
            ),
            scorecards_dir=_path_or_uri(
                env.get("CCR_SCORECARDS", str(REPO_ROOT / "config" / "scorecards"))
            ),
            taxonomies_dir=_path_or_uri(
                env.get("CCR_TAXONOMIES", str(REPO_ROOT / "config" / "taxonomies"))
            ),
            whisper_model=env.get("CCR_WHISPER_MODEL") or None,
            model_cache=_path_or_uri(env.get("CCR_MODEL_CACHE", "~/.cache/callcenterrate")),
            # CTranslate2 defaults to 4 threads whatever the box: on 2 cores that oversubscribes.
            # 0 = auto: plan_workers splits the cores between worker processes.
            whisper_threads=_auto_int(env.get("CCR_WHISPER_THREADS")),
            whisper_beam=int(env.get("CCR_WHISPER_BEAM") or "5"),
            whisper_workers=_auto_int(env.get("CCR_WHISPER_WORKERS")),
            landing_quiet_s=float(env.get("CCR_LANDING_QUIET_S") or "60"),
            landing_retry_s=float(env.get("CCR_LANDING_RETRY_S") or "300"),
            max_file_mb=int(env.get("CCR_MAX_FILE_MB") or "1024"),
            anon_min_calls=int(env.get("CCR_ANON_MIN_CALLS") or "20"),
            anon_min_agents=int(env.get("CCR_ANON_MIN_AGENTS") or "5"),
            object_store=ObjectStoreSettings.from_env(env),
            # -- scale-out
            celery_broker=env.get("CCR_CELERY_BROKER") or None,
            celery_backend=env.get("CCR_CELERY_BACKEND") or env.get("CCR_CELERY_BROKER") or None,
            batch_parallel=_auto_int(env.get("CCR_BATCH_PARALLEL")),
            whisper_device=env.get("CCR_WHISPER_DEVICE") or "cpu",
            whisper_compute_type=(env.get("CCR_WHISPER_COMPUTE_TYPE") or "").replace("auto", ""),
        )

    def effective(self) -> dict[str, str]:
        """Each documented variable with the value in force once defaults are applied."""
        out = {}
        for name, field_name in FIELD_OF.items():
            value = getattr(self, field_name)
            # unset model, or 0 = decided from the cores at run time
            if field_name in _AUTO_FIELDS and value in (None, 0, ""):
                value = ENV_VARS[name][0]
            elif field_name in ("celery_broker", "celery_backend"):
                value = without_password(str(value))
            out[name] = str(value)
        return out | self.object_store.effective()

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
