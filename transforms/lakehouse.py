"""Delta tables and object storage, reached only through deltalake and pyarrow filesystems.

Nothing here uses ``os.path`` for lakehouse data, so the root may be a local folder or an
object-store URI. Writes are MERGEs on the table key: re-running any step writes nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.fs as pafs
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from transforms.tables import TableSpec


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """pyarrow filesystem and in-filesystem path for a local path or a URI."""
    return pafs.FileSystem.from_uri(uri if "://" in uri else f"file://{uri}")


def write_bytes(uri: str, data: bytes) -> None:
    fs, path = filesystem(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    # Write beside, then move: a reader never sees half an audio file.
    tmp = f"{path}.partial"
    with fs.open_output_stream(tmp) as out:
        out.write(data)
    fs.move(tmp, path)


def read_bytes(uri: str) -> bytes:
    fs, path = filesystem(uri)
    with fs.open_input_file(path) as f:
        return f.read()


def delete_file(uri: str) -> None:
    fs, path = filesystem(uri)
    if fs.get_file_info(path).type == pafs.FileType.File:
        fs.delete_file(path)


def conform(spec: TableSpec, rows: Iterable[Mapping[str, Any]] | pl.DataFrame) -> pa.Table:
    """Rows as an Arrow table with exactly the spec's schema (fails loudly on a missing column)."""
    if isinstance(rows, pl.DataFrame):
        missing = set(spec.schema.names) - set(rows.columns)
        if missing:
            raise ValueError(f"{spec.path}: missing columns {sorted(missing)}")
        return rows.select(spec.schema.names).to_arrow().cast(spec.schema)
    return pa.Table.from_pylist(list(rows), schema=spec.schema)


@dataclass(frozen=True)
class Lakehouse:
    """The Delta tables under one root."""

    root: str
    storage_options: Mapping[str, str] | None = None

    def uri(self, spec: TableSpec) -> str:
        return f"{self.root}/{spec.path}"

    def _open(self, spec: TableSpec) -> DeltaTable | None:
        try:
            return DeltaTable(self.uri(spec), storage_options=self._options)
        except TableNotFoundError:
            return None

    @property
    def _options(self) -> dict[str, str] | None:
        return dict(self.storage_options) if self.storage_options else None

    def ensure(self, spec: TableSpec) -> DeltaTable:
        """Open the table, creating it with its properties the first time."""
        table = self._open(spec)
        if table is not None:
            return table
        return DeltaTable.create(
            self.uri(spec),
            schema=spec.schema,
            mode="ignore",
            partition_by=list(spec.partition_by),
            name=spec.name,
            description=spec.description,
            configuration=spec.delta_configuration(),
            storage_options=self._options,
        )

    def read(
        self, spec: TableSpec, tenant_id: str | None = None, columns: list[str] | None = None
    ) -> pl.DataFrame:
        """The current version of a table (empty with the right schema if it does not exist).

        ``tenant_id`` prunes to one partition folder; ``columns`` reads only those columns.
        """
        table = self._open(spec)
        if table is None:
            empty = spec.schema.empty_table()
            return pl.from_arrow(empty.select(columns) if columns else empty)  # type: ignore[return-value]
        partitions = [("tenant_id", "=", tenant_id)] if tenant_id else None
        dataset = table.to_pyarrow_dataset(partitions=partitions)
        return pl.from_arrow(dataset.to_table(columns=columns))  # type: ignore[return-value]

    def merge(self, spec: TableSpec, data: pa.Table, *, update: bool = False) -> dict[str, int]:
        """MERGE rows on the table key: insert new keys; with ``update``, also replace matched rows.

        Returns the counts delta-rs reports (``num_target_rows_inserted`` …) for run metadata.
        """
        table = self.ensure(spec)
        if data.num_rows == 0:
            return {"num_target_rows_inserted": 0, "num_target_rows_updated": 0}
        on = list(spec.partition_by) + [k for k in spec.key if k not in spec.partition_by]
        predicate = " AND ".join(f"t.{k} = s.{k}" for k in on)
        merger = table.merge(data, predicate=predicate, source_alias="s", target_alias="t")
        if update:
            merger = merger.when_matched_update_all()
        metrics = merger.when_not_matched_insert_all().execute()
        return {k: int(v) for k, v in metrics.items() if k.startswith("num_")}
