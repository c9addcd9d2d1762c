# Gunicorn's settings for Example 62: gunicorn ... -c snippets/advanced/ex62_gunicorn_conf.py
import os
import shutil
import tempfile

workers = 2
worker_class = "uvicorn_worker.UvicornWorker"  # each worker runs the app with Uvicorn


def on_starting(server):  # in the master, once, before the first worker starts
    # An empty folder for this run's metric files; every worker inherits the variable.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-")


def child_exit(server, worker):  # in the master, after a worker ends, even killed
    # Imported here, not at the top: imported in the master before on_starting sets
    # the variable, prometheus_client would stay in one-process mode in every worker.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its live gauges go; its counts stay


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
