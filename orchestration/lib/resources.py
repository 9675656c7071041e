"""Resources: where the lakehouse lives, and the Whisper model (loaded once per process)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.scorecards import Assignments, Scorecard, load_assignments, load_scorecards
from transforms.core.settings import Settings
from transforms.core.tenants import Tenant, load_tenants
from transforms.score.categories import Taxonomy, load_taxonomy
from transforms.transcribe.engine import Transcriber
from transforms.transcribe.model import model_id, resolve_model_dir
from transforms.transcribe.pool import cached_transcriber, plan_workers


class LakehouseResource(dg.ConfigurableResource):
    """Settings from the ``CCR_*`` environment (docs/configuration.md), read when a run starts."""

    def settings(self) -> Settings:
        return Settings.from_env()

    def lakehouse(self) -> Lakehouse:
        """The lakehouse; inside a run, its MERGEs are tallied for the processing log, per step
        (steps of one run may share a process, or run in several)."""
        from dagster._core.execution.context.compute import current_execution_context

        root = self.settings().lakehouse
        current = current_execution_context.get()
        if current is None:  # outside a run (a notebook, a test)
            return Lakehouse(root)
        from orchestration.lib.processing_log import tally

        run_id = current.op_execution_context.run_id
        step_key = current.get_step_execution_context().step.key
        return Lakehouse(root, run_id=run_id, on_write=tally(run_id, step_key))

    def tenants(self) -> dict[str, Tenant]:
        return load_tenants(self.settings().tenants_file)

    def keystore(self) -> FileKeyStore:
        return FileKeyStore(self.settings().keys)

    def scorecards(self) -> dict[tuple[str, str], Scorecard]:
        return load_scorecards(self.settings().scorecards_dir)

    def assignments(self, cards: dict[tuple[str, str], Scorecard] | None = None) -> Assignments:
        """The assignments file, checked against ``cards`` (loaded here when not given)."""
        return load_assignments(self.settings().scorecards_dir, cards or self.scorecards())

    def taxonomy(self, tenant_id: str) -> Taxonomy:
        return load_taxonomy(self.settings().taxonomies_dir, tenant_id)


class WhisperResource(dg.ConfigurableResource):
    """faster-whisper model. Empty ``model_dir`` means the bundled multilingual base model.

    0 means "from the ``CCR_WHISPER_*`` settings" (and, for workers/threads, from the cores).
    """

    model_dir: str = ""
    cpu_threads: int = 0
    beam_size: int = 0
    workers: int = 0

    def model_path(self) -> Path:
        return resolve_model_dir(Settings.from_env(), self.model_dir)

    def model_id(self) -> str:
        """The id transcripts are keyed by: the model folder and the compute type in force."""
        return model_id(self.model_path(), Settings.from_env().compute_type)

    def device(self) -> tuple[str, str]:
        """(device, compute type): ``cpu``/``int8`` unless a GPU worker's settings say so."""
        settings = Settings.from_env()
        return settings.whisper_device, settings.compute_type

    def plan(self, calls: int) -> tuple[int, int]:
        """(worker processes, threads each) for ``calls`` calls on this machine."""
        settings = Settings.from_env()
        workers, threads = plan_workers(
            workers=self.workers or settings.whisper_workers,
            threads=self.cpu_threads or settings.whisper_threads,
        )
        workers = max(1, min(workers, calls))
        if not (self.cpu_threads or settings.whisper_threads):
            # Fewer calls than planned workers: give the idle cores to the ones that run.
            workers, threads = plan_workers(workers=workers)
        return workers, threads

    def beam(self) -> int:
        return self.beam_size or Settings.from_env().whisper_beam

    def transcriber(self, threads: int) -> tuple[Transcriber, bool]:
        """This process's model, and whether this call loaded it. Loaded on first use, so runs
        that skip every call never pay for it; kept for the process's life, so a long-lived
        worker (a Celery worker's pool process) loads it once, not once per batch step."""
        device, compute_type = self.device()
        return cached_transcriber(
            self.model_path(),
            threads=threads,
            beam_size=self.beam(),
            device=device,
            compute_type=compute_type,
        )
