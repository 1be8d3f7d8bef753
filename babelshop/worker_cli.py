"""``babelshop worker``: a Celery worker with the project's settings, its time limits and
recycling options, refused at start when they would let Redis hand one batch to two workers."""

from __future__ import annotations

import os

import click

from common.settings import get_settings


@click.command()
@click.option("--concurrency", "-c", default=1, show_default=True)
@click.option("--loglevel", default="INFO")
@click.option("--queues", "-Q", default=None, help="Default: BABELSHOP_QUEUE and babelshop.maintenance.")
@click.option("--hostname", "-n", default=None, help="Node name, e.g. indexer2@%h (several workers on one host).")
@click.option("--max-memory-per-child", "max_memory_kb", type=click.IntRange(min=1), default=None,
              help="Replace a pool process once its resident memory passes this many KB (after its batch). "
                   "Default: BABELSHOP_WORKER_MAX_MEMORY_PER_CHILD_KB, else no limit.")
@click.option("--max-tasks-per-child", type=click.IntRange(min=1), default=None,
              help="Replace a pool process after this many batches. Default: BABELSHOP_WORKER_MAX_TASKS_PER_CHILD.")
@click.option("--soft-time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds after which a batch is interrupted and retried, then dead-lettered. "
                   "Default: BABELSHOP_TASK_SOFT_TIME_LIMIT_S.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds after which a batch's process is killed and the batch requeued. "
                   "Default: BABELSHOP_TASK_TIME_LIMIT_S.")
def worker(concurrency: int, loglevel: str, queues: str | None, hostname: str | None, max_memory_kb: int | None,
           max_tasks_per_child: int | None, soft_time_limit: float | None, time_limit: float | None) -> None:
    """Run a Celery worker with the project's settings.

    It refuses to start (exit 2) when BABELSHOP_VISIBILITY_TIMEOUT_S is shorter than the hard
    time limit plus the longest retry backoff, and when the encoder's vector width differs from
    the index's. A pool of several processes shares the cores out: unless
    BABELSHOP_ENCODER_THREADS is set, each process's encoder runs the cores divided by
    --concurrency threads a call."""
    from encoders.onnx_encoder import machine_cores
    from indexer.worker_process import pool_encoder_threads

    settings = get_settings()
    threads = pool_encoder_threads(settings.encoder_threads, concurrency, machine_cores())
    if threads != settings.encoder_threads:
        # Pool processes are forked from this one and read the settings it has cached.
        os.environ["BABELSHOP_ENCODER_THREADS"] = str(threads)
        get_settings.cache_clear()
        settings = get_settings()
        click.echo(f"{concurrency} pool processes: the encoder runs {threads} thread(s) a call in each "
                   "(BABELSHOP_ENCODER_THREADS sets it)", err=True)

    from indexer.celery_app import QUEUE_MAINTENANCE, app, check_limits, configure_limits

    configure_limits(app, settings, soft_time_limit=soft_time_limit, time_limit=time_limit,
                     max_tasks_per_child=max_tasks_per_child, max_memory_per_child_kb=max_memory_kb)
    check_limits(app, settings)  # an InputError ends the command with one line and exit 2
    queues = queues or f"{settings.queue},{QUEUE_MAINTENANCE}"
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", f"--queues={queues}",
            "--without-gossip", "--without-mingle"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)
