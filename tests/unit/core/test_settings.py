from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS


def test_everything_defaults_under_ccr_home(tmp_path):
    s = Settings.from_env({"CCR_HOME": str(tmp_path)})
    assert s.landing == f"{tmp_path}/landing"
    assert s.lakehouse == f"{tmp_path}/lakehouse"
    assert s.warehouse == f"{tmp_path}/warehouse"
    # dbt's working files are never where BI reads, even with the warehouse elsewhere
    assert s.kpi_build_database == f"{tmp_path}/build/kpis.build.duckdb"
    elsewhere = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_WAREHOUSE": "/srv/bi"})
    assert elsewhere.kpi_build_database == s.kpi_build_database
    assert Lakehouse(s.lakehouse).uri(CALLS) == f"{tmp_path}/lakehouse/bronze/calls"


def test_lakehouse_may_be_an_object_store_uri(tmp_path):
    s = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_LAKEHOUSE": "s3://bucket/lake/"})
    assert s.lakehouse == "s3://bucket/lake" and s.audio_store == "s3://bucket/lake/audio"


def test_every_documented_variable_has_an_effective_value(tmp_path):
    from transforms.core.settings import ENV_VARS

    s = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_WHISPER_BEAM": "4"})
    effective = s.effective()
    assert list(effective) == list(ENV_VARS)
    assert effective["CCR_LANDING"] == f"{tmp_path}/landing"
    assert effective["CCR_WHISPER_BEAM"] == "4"
    assert effective["CCR_WHISPER_WORKERS"] == "auto"
