"""What every step is given: the settings, the lakehouse, the registries, "today", and a log.

A step (``transforms/<domain>/step.py``) takes a ``StepContext`` and a partition; it never reads
the environment or the clock itself. The edges build the context once: the Dagster resource when
a run starts (``orchestration/lib/resources.py``), ``ccr``, the Celery workers (through the same
resource) and the benchmarks. A test builds one with ``StepContext.of(settings, today=…)``.

"Today" is an input: every decision that depends on the date (a contract that has ended, what
retention deletes, the months that are closed, the tenants still published) asks ``ctx.today()``
or takes a date argument the caller filled from it. The real instant (``ctx.now()``) only stamps
when something happened. ``Clock`` is the one place below the edges that reads the system clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property

from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.log import SILENT, Log
from transforms.core.scorecards import (
    Assignments,
    CardChoice,
    CardKey,
    Scorecard,
    load_assignments,
    load_scorecards,
)
from transforms.core.settings import Settings
from transforms.core.tenants import Tenant, load_tenants


@dataclass(frozen=True)
class Clock:
    """What "today" is for a step: the system's date (UTC), unless a date was given.

    Retention, a contract's end, the months that are closed and the tenants still published all
    ask ``today()``; a run for a past or planned date (``ccr retention plan --as-of``, a test of
    the samples' November 2026) gives that date instead. ``now()`` is when something happened
    (rows' ``ingested_at``, ``transcribed_at``): always the real instant.
    """

    as_of: date | None = None
    #: A fixed instant instead of the real one (a test of what happens at a given time).
    at: datetime | None = None

    def today(self) -> date:
        return self.as_of or self.now().date()

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)


class FutureDate(ValueError):
    """A date after today for something that deletes or publishes for good."""


@dataclass(frozen=True)
class StepContext:
    settings: Settings
    lakehouse: Lakehouse
    clock: Clock = field(default_factory=Clock)
    log: Log = SILENT
    #: A tenant registry given instead of the one in the tenants file (a test, a benchmark).
    registry: Mapping[str, Tenant] | None = None

    @classmethod
    def of(
        cls,
        settings: Settings,
        *,
        today: date | None = None,
        now: datetime | None = None,
        log: Log = SILENT,
        lakehouse: Lakehouse | None = None,
        tenants: Mapping[str, Tenant] | None = None,
    ) -> StepContext:
        """A context for ``settings``: the lakehouse at its root unless given (a run gives one
        that tallies its writes for the processing log)."""
        return cls(
            settings=settings,
            lakehouse=lakehouse or Lakehouse.from_settings(settings),
            clock=Clock(today, now),
            log=log,
            registry=tenants,
        )

    def today(self) -> date:
        return self.clock.today()

    def with_settings(self, settings: Settings) -> StepContext:
        """This context with other settings (a run's Whisper overrides); same lakehouse and
        clock."""
        return replace(self, settings=settings)

    def now(self) -> datetime:
        return self.clock.now()

    def on(self, day: date | None, *, look_ahead: bool = False) -> StepContext:
        """This context deciding for ``day`` (None: as it is), e.g. an erasure applied at its
        plan's date; the lakehouse, log and registries are the same. A day after ``today()`` is
        refused (``FutureDate``) unless ``look_ahead``: planning may look ahead, but applying
        retention for a later date would delete now what the rules keep until then, and
        publishing the statistics of a month not yet closed would freeze it incomplete."""
        if day is None:
            return self
        if day > self.today() and not look_ahead:
            raise FutureDate(
                f"{day} is after today ({self.today()}): retention is applied, and statistics "
                "published, for today or an earlier day only (`ccr retention plan --as-of` may "
                "look ahead)"
            )
        return replace(self, clock=Clock(day, self.clock.at))

    # Registries, read from their files once per context (a step or a run), on first use.

    @cached_property
    def tenants(self) -> dict[str, Tenant]:
        if self.registry is not None:
            return dict(self.registry)
        return load_tenants(self.settings.tenants_file)

    @cached_property
    def keys(self) -> FileKeyStore:
        return FileKeyStore(self.settings.keys)

    @cached_property
    def scorecards(self) -> dict[CardKey, Scorecard]:
        return load_scorecards(self.settings.scorecards_dir)

    @cached_property
    def assignments(self) -> Assignments:
        return load_assignments(self.settings.scorecards_dir, self.scorecards)

    def card_choice(self, tenant_id: str, version: str = "") -> CardChoice | None:
        """Which card scores ``tenant_id``'s calls (a what-if ``version`` instead of the active
        one); None for a tenant not in the registry."""
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            return None
        return CardChoice(
            tenant_id, self.scorecards, self.assignments, tenant.scorecard, version=version
        )
