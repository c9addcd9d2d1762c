# Gunicorn's settings: gunicorn MODULE:app -c snippets/advanced/ex64_gunicorn_conf.py
worker_class = "uvicorn_worker.UvicornWorker"  # Uvicorn runs the app in each worker
workers = 2  # processes: about one per CPU core the server may use
timeout = 30  # a worker whose event loop is stuck this long is killed and replaced
graceful_timeout = 20  # after SIGTERM: time to finish requests in flight, then SIGKILL
keepalive = 5  # idle seconds before closing a connection (more than a proxy's)
max_requests = 1000  # a worker restarts after about this many requests: caps leaks
max_requests_jitter = 100  # ...plus up to 100, so workers do not restart together
forwarded_allow_ips = "127.0.0.1"  # believe X-Forwarded-For/-Proto from this proxy only
