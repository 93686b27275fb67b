"""Serve the blog like one gunicorn worker: a fixed number of threads, each
keeping its database connection between requests (gunicorn is not a
dependency of the blog, so the tests bring this much of it).

Django's runserver starts a thread per request and closes its database
connections after each one. That hides two things a production worker
meets: a database that restarted between two requests leaves it holding a
dead connection (``CONN_MAX_AGE``; ``CONN_HEALTH_CHECKS`` must catch it), and
its connections are bounded by its threads, which matters on a PostgreSQL
server shared with others (``max_connections``).

Usage: ``python tests/faults/wsgi_worker.py PORT [THREADS]`` with the blog's
environment; THREADS=1 is a sync worker.
"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class Handler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write(f"{self.requestline} {args[1] if len(args) > 1 else ''}\n")


class PooledWSGIServer(WSGIServer):
    request_queue_size = 128  # readers wait in the listen queue, as with gunicorn

    def __init__(self, address, threads: int):
        super().__init__(address, Handler)
        self.pool = ThreadPoolExecutor(max_workers=threads)

    def process_request(self, request, client_address):
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolr_blog.settings.dev")
    from django.core.wsgi import get_wsgi_application

    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    server = PooledWSGIServer(("127.0.0.1", int(sys.argv[1])), threads)
    server.set_app(get_wsgi_application())
    server.serve_forever()


if __name__ == "__main__":
    main()
