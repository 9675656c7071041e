"""Review CSVs in ``$CCR_LANDING/_reviews/<tenant>/`` → silver.human_reviews (append-only)."""

import dagster as dg
import pyarrow.fs as pafs

from orchestration.defs.ingest.assets import OWNERS
from orchestration.resources import LakehouseResource
from transforms import lakehouse as storage
from transforms.reviews import ingest_review_file
from transforms.tables import HUMAN_REVIEWS


def review_files(reviews_uri: str) -> list[tuple[str, str, pafs.FileInfo]]:
    """(tenant, file name, info) of every CSV waiting under ``_reviews/<tenant>/``."""
    fs, root = storage.filesystem(reviews_uri)
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        return []
    found = []
    for tenant_dir in fs.get_file_info(pafs.FileSelector(root)):
        if tenant_dir.type != pafs.FileType.Directory or tenant_dir.base_name[:1] in "._":
            continue
        for info in fs.get_file_info(pafs.FileSelector(tenant_dir.path)):
            if info.type == pafs.FileType.File and info.base_name.endswith(".csv"):
                found.append((tenant_dir.base_name, info.base_name, info))
    return sorted(found, key=lambda f: (f[0], f[1]))


@dg.asset(
    key=["silver", "human_reviews"],
    deps=[["bronze", "calls"], ["silver", "criterion_results"]],
    description=HUMAN_REVIEWS.description,
    owners=OWNERS,
    tags={"layer": "silver", "pii": "performance"},
    kinds={"delta"},
    group_name="review",
)
def human_reviews(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    """Append the rows of every landed review CSV; bad rows go to quarantine with a reason.

    A file leaves landing only once its rows are stored (good ones here, bad ones in
    bronze/quarantine); landing the same file again inserts nothing (rows keyed by content).
    """
    settings = lakehouse.settings()
    lh = lakehouse.lakehouse()
    cards = lakehouse.scorecards()
    tenants = lakehouse.tenants()
    inserted = rejected = files = 0
    for tenant_id, name, _info in review_files(settings.reviews_landing):
        uri = f"{settings.reviews_landing}/{tenant_id}/{name}"
        if tenant_id not in tenants:
            context.log.warning(f"review folder of unknown tenant {tenant_id!r} left in landing")
            continue
        added, bad = ingest_review_file(lh, tenant_id, name, storage.read_bytes(uri), cards)
        storage.delete_file(uri)
        inserted, rejected, files = inserted + added, rejected + bad, files + 1
    return dg.MaterializeResult(
        metadata={"files": files, "rows_inserted": inserted, "rows_quarantined": rejected}
    )
