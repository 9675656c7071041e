"""Run-time settings, read from environment variables with documented defaults.

Everything the product writes lives under ``CCR_HOME`` so a demo or a test can be thrown away by
deleting one folder. Each location can be overridden on its own; the lakehouse root may be a URI
(``s3://bucket/prefix``) because every read and write goes through deltalake / pyarrow filesystems.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
}


def _path_or_uri(value: str) -> str:
    """Absolute local path, or the URI untouched (pyarrow/deltalake resolve ``s3://``)."""
    if "://" in value:
        return value.rstrip("/")
    return str(Path(value).expanduser().resolve())


def _auto_int(value: str | None) -> int:
    return 0 if not value or value == "auto" else int(value)


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

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
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
        )

    def effective(self) -> dict[str, str]:
        """Each documented variable with the value in force once defaults are applied."""
        out = {}
        for name, field_name in FIELD_OF.items():
            value = getattr(self, field_name)
            if value in (None, 0):  # unset model, or 0 = decided from the cores at run time
                value = ENV_VARS[name][0]
            out[name] = str(value)
        return out

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
    def build_dir(self) -> str:
        """dbt's working files (build database, target folders): never where BI reads."""
        return f"{self.home}/build"

    @property
    def kpi_build_database(self) -> str:
        return f"{self.build_dir}/kpis.build.duckdb"

    @property
    def dbt_target_dir(self) -> str:
        return f"{self.build_dir}/dbt"
