"""PostgreSQL statements Django has no API for: COPY from a stream, ANALYZE after bulk writes.

Django talks to PostgreSQL through psycopg 3 (the job queue, procrastinate, needs it, and
Django uses it whenever it is installed).
"""

import logging

from django.db import connection

log = logging.getLogger(__name__)

COPY_CHUNK = 1 << 18  # characters handed to COPY per read


def copy_from(cursor, sql: str, stream, size: int = COPY_CHUNK) -> None:
    """Run `COPY ... FROM STDIN` reading `stream` (an object with read(size)) in chunks."""
    with cursor.cursor.copy(sql) as copy:  # Django's CursorWrapper -> psycopg's cursor
        while chunk := stream.read(size):
            copy.write(chunk)


def tables_analyze(*models) -> None:
    """ANALYZE the tables of `models` so that the planner sees what a bulk write changed.

    A server without autovacuum keeps the statistics of the empty table after a county's
    first import, and plans joins on it as if it were empty. Inside a transaction ANALYZE
    counts the transaction's own new rows, and the column statistics it writes roll back
    with it (pg_class's row estimate stays until the next ANALYZE).
    """
    with connection.cursor() as cur:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cur.execute(f"ANALYZE {table}")
    log.debug("analyzed %s", ", ".join(m._meta.db_table for m in models))
