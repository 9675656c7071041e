"""Resources: the product's settings (entering once, from ``dg.EnvVar``s) and the Whisper knobs.

``SettingsResource`` has one string field per declared setting (``transforms.core.settings``),
named after its variable in lower case (``ccr_home``, ``ccr_whisper_beam``). The code location
binds each field to ``dg.EnvVar(<variable>)`` for the variables that are set, so Dagster resolves
them where the step runs (a run worker, a Celery worker's pool process) and the UI shows the
variable's name, never a credential. Assets ask it for a ``StepContext``: the settings, the
lakehouse (tallying the step's writes for the processing log), the registries, "today" and
the run's log; the step functions of ``transforms/`` take nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import dagster as dg
from pydantic import PrivateAttr, create_model

from orchestration.lib.environment import close_process
from transforms.core import kept_files, object_store, storage
from transforms.core.context import StepContext
from transforms.core.deployment import require_lawful_locations
from transforms.core.lakehouse import Lakehouse
from transforms.core.log import SILENT
from transforms.core.settings import Settings, declared

#: One ``str`` field per setting ("" = unset: its default).
_SettingsFields: Any = create_model(
    "_SettingsFields",
    __base__=dg.ConfigurableResource,
    **{d.var.lower(): (str, "") for d in declared()},
)


class SettingsResource(_SettingsFields):
    """The ``CCR_*`` settings of a run (docs/configuration.md), the date it decides for, and the
    step context built on them."""

    #: The date this run decides for (YYYY-MM-DD): a contract that has ended, the tenants still
    #: published, the months closed, what retention deletes. Empty: the system's date (UTC) when
    #: the step runs. ``ccr demo`` sets it to the day after the samples' month; an asset's own
    #: date (the retention job's ``as_of``) comes first.
    as_of: str = ""

    def day(self) -> date | None:
        """``as_of`` as a date; None when unset (the step's clock decides)."""
        return date.fromisoformat(self.as_of) if self.as_of else None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SettingsResource:
        """Each variable set in ``env`` as a ``dg.EnvVar`` (resolved where the step runs)."""
        return cls(**{d.var.lower(): dg.EnvVar(d.var) for d in declared() if d.var in env})

    def settings(self) -> Settings:
        return Settings.from_values(
            {d.var: _value(getattr(self, d.var.lower())) for d in declared()}
        )

    _roots_before: storage.Roots | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Where the run's data goes is declared, and lawful, before any step touches it.
        settings = self.settings()
        require_lawful_locations(settings)
        # The object store's endpoint and credentials are this process's from now on, and what
        # it writes is private (umask 077; a Celery pool process executes steps here too); for
        # the run, its deletions are confined to the home's roots.
        close_process()
        object_store.configure(settings.object_store)
        kept_files.keep_under(settings.model_cache)
        self._roots_before = storage.configured_roots()
        storage.configure_roots(storage.Roots.for_settings(settings))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        storage.configure_roots(self._roots_before)

    def step_context(self, log: Any = None, today: date | None = None) -> StepContext:
        """What a step is given. Inside a run (an asset or an asset check), the lakehouse tallies
        the step's MERGEs for the processing log (steps of one run may share a process, or run
        in several); ``log`` is the run's (``context.log``). "Today" is ``today`` (an asset's
        own date), else the run's ``as_of``, else the system's date."""
        from dagster._core.execution.context.compute import current_execution_context

        settings = self.settings()
        today = today or self.day()
        current = current_execution_context.get()
        if current is None:  # outside a run (a notebook, a test)
            return StepContext.of(settings, today=today, log=log or SILENT)
        from orchestration.lib.processing_log import tally

        run_id = current.op_execution_context.run_id
        step_key = current.get_step_execution_context().step.key
        lakehouse = Lakehouse.from_settings(
            settings, run_id=run_id, on_write=tally(run_id, step_key)
        )
        return StepContext.of(settings, today=today, log=log or SILENT, lakehouse=lakehouse)


class WhisperResource(dg.ConfigurableResource):
    """Run-time overrides of the Whisper settings (``CCR_WHISPER_*``), e.g. from a run's config
    in the UI: empty or 0 keeps the setting."""

    model_dir: str = ""
    cpu_threads: int = 0
    beam_size: int = 0
    workers: int = 0

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with these overrides."""
        return settings.replace(
            whisper_model=self.model_dir or settings.whisper_model,
            whisper_threads=self.cpu_threads or settings.whisper_threads,
            whisper_beam=self.beam_size or settings.whisper_beam,
            whisper_workers=self.workers or settings.whisper_workers,
        )


def _value(field: str) -> str:
    """A field's value. Inside a run Dagster has resolved every ``dg.EnvVar``; a resource used
    outside one (a notebook, a test: ``SettingsResource.from_env(os.environ).step_context()``)
    still holds them, and reading one as a string raises: read its variable here."""
    if isinstance(field, dg.EnvVar):
        return field.get_value() or ""
    return field


def settings_run_config(env: Mapping[str, str], **overrides: str) -> dict[str, Any]:
    """Run config for the settings resource: every variable set in ``env`` read from it where
    the step runs (``{"env": VAR}``), and ``overrides`` ({field: value}) for this run only,
    e.g. ``ccr demo``'s quiet period of 0 for the files it copied itself."""
    config: dict[str, Any] = {d.var.lower(): {"env": d.var} for d in declared() if d.var in env}
    return {"settings": {"config": config | overrides}}
