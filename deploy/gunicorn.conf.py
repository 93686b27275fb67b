"""gunicorn settings for the blog (``gunicorn -c deploy/gunicorn.conf.py skolr_blog.wsgi``).

Threaded workers (``gthread``): a page is mostly a few fast database and
Redis round trips, and threads keep HTTP keep-alive connections from nginx's
upstream pool open, which sync workers cannot. One process per core does the
Python work; the threads cover the waiting. Every value can be overridden
from the environment for a bigger machine or a benchmark.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# nginx keeps upstream connections open (deploy/nginx.conf, keepalive).
keepalive = 30
timeout = 30
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "10"))
# Load the app before forking: workers share its memory and a broken
# configuration stops the master at once with one message.
preload_app = True
# Recycle workers now and then, staggered, as a guard against slow leaks.
max_requests = 20_000
max_requests_jitter = 2_000
# No control socket: two app servers on one machine would fight over its
# default path in the home directory.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "skolr_blog"
