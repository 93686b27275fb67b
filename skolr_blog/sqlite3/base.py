"""Django's SQLite backend, plus the statistics SQLite's query planner needs.

SQLite gathers no statistics by itself. Without ``sqlite_stat1`` it guesses
that any equality is selective: it takes ``status = 'published'`` for a rare
value, passes by the index of the few featured posts and by a tag's index of
published taggings, and walks the posts instead. At 100,000 posts the home
page's featured block took 52–72 ms and a tag page's posts 9–10 ms, against
0.1 ms once analyzed (docs/performance.md, session 14).

SQLite's advice for short-lived connections (Django closes one at the end of
each request) is ``PRAGMA optimize`` as each closes. It analyzes only the
tables this connection's queries used that have no statistics yet or have
grown 25 times since they were gathered: nothing on almost every request,
and a few times in a site's life a full ``ANALYZE`` of a table (32 ms for
100,000 posts, 129 ms for 300,000 comments), after the response has gone.
Not sampled (``analysis_limit``): a sample of a few hundred rows counts at
most that many posts per status, and the planner is as wrong as without.

It never holds a request up: the write lock it may need is waited for
briefly, and a busy or failing database skips it, for a later close to do.
"""

import sqlite3

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None:
            try:
                self.connection.execute("PRAGMA busy_timeout=50")
                self.connection.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
        super()._close()
