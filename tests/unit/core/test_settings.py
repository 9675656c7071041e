from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS


def test_everything_defaults_under_ccr_home(tmp_path):
    s = Settings.from_env({"CCR_HOME": str(tmp_path)})
    assert s.landing == f"{tmp_path}/landing"
    assert s.lakehouse == f"{tmp_path}/lakehouse"
    assert s.kpi_database == f"{tmp_path}/warehouse/kpis.duckdb"
    assert Lakehouse(s.lakehouse).uri(CALLS) == f"{tmp_path}/lakehouse/bronze/calls"


def test_lakehouse_may_be_an_object_store_uri(tmp_path):
    s = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_LAKEHOUSE": "s3://bucket/lake/"})
    assert s.lakehouse == "s3://bucket/lake" and s.audio_store == "s3://bucket/lake/audio"
