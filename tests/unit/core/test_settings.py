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


def test_scale_out_settings_default_to_no_broker_and_cpu_int8(tmp_path):
    s = Settings.from_env({"CCR_HOME": str(tmp_path)})
    assert s.celery_broker is None and s.celery_backend is None
    assert s.batch_runs_at_once == 1
    assert (s.whisper_device, s.compute_type) == ("cpu", "int8")
    assert s.effective()["CCR_CELERY_BROKER"] == "unset"


def test_the_backend_follows_the_broker_and_a_gpu_worker_runs_float16(tmp_path):
    env = {"CCR_HOME": str(tmp_path), "CCR_CELERY_BROKER": "redis://:s3cret@10.0.0.5:6379/0"}
    s = Settings.from_env({**env, "CCR_WHISPER_DEVICE": "cuda"})
    assert s.celery_backend == s.celery_broker and s.batch_runs_at_once == 2
    assert s.compute_type == "float16"
    # `ccr settings` prints these: the password never
    shown = s.effective()
    assert shown["CCR_CELERY_BROKER"] == "redis://:***@10.0.0.5:6379/0"
    assert "s3cret" not in str(shown)
    explicit = Settings.from_env({**env, "CCR_WHISPER_COMPUTE_TYPE": "int8_float16"})
    assert explicit.compute_type == "int8_float16"
    assert Settings.from_env({**env, "CCR_BATCH_PARALLEL": "4"}).batch_runs_at_once == 4
