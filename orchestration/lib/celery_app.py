"""The Celery app a worker runs (``celery -A orchestration.lib.celery_app worker``; ``ccr worker``
starts it). Built at import because that is how Celery finds an app; it reads the broker from
``CCR_CELERY_BROKER``, so this module is imported only by a worker."""

from orchestration.lib.workers import make_worker_app

app = make_worker_app()
