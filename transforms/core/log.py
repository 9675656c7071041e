"""Where a batch function reports progress: Dagster's ``context.log`` in an asset, anything with
``info`` and ``warning`` elsewhere (a ``logging.Logger``), or nowhere. Messages carry ids, counts
and codes, never personal data."""

from __future__ import annotations

from typing import Any, Protocol


class Log(Protocol):
    def info(self, msg: str) -> Any: ...

    def warning(self, msg: str) -> Any: ...


class _Silent:
    def info(self, msg: str) -> None:
        return None

    def warning(self, msg: str) -> None:
        return None


SILENT: Log = _Silent()
