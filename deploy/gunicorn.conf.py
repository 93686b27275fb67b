"""gunicorn settings for the blog (``gunicorn -c deploy/gunicorn.conf.py skolr_blog.wsgi``).

Threaded workers (``gthread``): a page is mostly a few fast database and
Redis round trips, and threads keep HTTP keep-alive connections from nginx's
upstream pool open, which sync workers cannot. The threads cover the
waiting; the processes do the Python work, two per core. With one per core,
a burst of new connections (nginx filling its upstream pool, or wrk's 32)
was often all accepted by whichever worker woke first, which then kept
them: one core did the work of two. On two cores, 2 workers served the
page cache at ~3,300 or ~1,300 requests/s depending on how the connections
had fallen, and the same for the hello view; 4 workers gave 2,700-3,600
in every run (docs/performance.md). Every value can be overridden from the
environment for a bigger machine or a benchmark.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
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
