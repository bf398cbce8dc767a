"""The PostgreSQL driver's one call the ORM has no word for: COPY ... FROM STDIN.

Django talks to PostgreSQL through psycopg 3 (the job queue, procrastinate, needs it, and
Django uses it whenever it is installed); bulk loads stream their rows through ``copy_in``.
"""

COPY_CHUNK = 1 << 18  # characters read from the stream per write to COPY


def copy_in(cursor, sql: str, stream, size: int = COPY_CHUNK) -> None:
    """Run ``sql`` (a ``COPY ... FROM STDIN``) on a Django cursor, reading ``stream``
    (a text file-like object) ``size`` characters at a time."""
    with cursor.copy(sql) as copy:
        while chunk := stream.read(size):
            copy.write(chunk)
