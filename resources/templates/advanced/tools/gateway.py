#!/usr/bin/env python3
"""HTTP gateway for this project's SQL API: REST routes, JSON-RPC (POST /rpc) and MCP (POST /mcp).

The gateway holds no application logic. Each HTTP request becomes exactly one SQL call in one
transaction -- api.rest_invoke, api.rpc_invoke or api.mcp_handle_request -- and the JSON that
call returns ({"status", "headers", "body"}) is written back as the HTTP response. Routing,
authentication (the Authorization header is passed through), validation, transaction policy
and error documents all live in the database.

Two things only a client can do are done here, because they need a *new* transaction:
  - a 428 answer naming "required_isolation" is retried once at that isolation level;
  - serialization failures and deadlocks (SQLSTATE 40001, 40P01) are retried a few times.

Install (Debian/Ubuntu):  apt-get install python3-psycopg     (psycopg 3; nothing else)
Run:                      GATEWAY_DSN='host=localhost dbname=mydb user=mydb_admin' \\
                              python3 tools/gateway.py --port 8080
The connection string may also be given with --dsn, but the environment keeps a password out of
the process list. Keep passwords in ~/.pgpass or PGPASSWORD rather than in the string.
"""

import argparse
import json
import os
import queue
import random
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import psycopg
from psycopg import IsolationLevel, errors

MAX_BODY_BYTES = 1 << 20
RETRY_ATTEMPTS = 3
ISOLATION_LEVELS = {
    "read committed": IsolationLevel.READ_COMMITTED,
    "repeatable read": IsolationLevel.REPEATABLE_READ,
    "serializable": IsolationLevel.SERIALIZABLE,
}


class Pool:
    """A few reusable connections; a broken one is dropped and replaced on the next request."""

    def __init__(self, dsn, size):
        self._dsn = dsn
        self._idle = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    def acquire(self):
        self._slots.acquire()
        try:
            conn = self._idle.get_nowait()
            if not conn.closed:
                return conn
        except queue.Empty:
            pass
        try:
            return psycopg.connect(self._dsn, autocommit=False, application_name="pgmi-gateway")
        except Exception:
            self._slots.release()
            raise

    def release(self, conn, broken=False):
        try:
            if broken or conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.close()
            else:
                self._idle.put(conn)
        finally:
            self._slots.release()


def call_sql(pool, sql, params):
    """Runs one gateway function in one transaction, with the retries described above."""
    isolation = None
    attempt = 0
    while True:
        attempt += 1
        try:
            conn = pool.acquire()
        except psycopg.OperationalError:
            return problem(503, "Service Unavailable", "the database is not reachable")
        broken = False
        try:
            conn.isolation_level = ISOLATION_LEVELS.get(isolation)
            with conn.transaction():
                answer = conn.execute(sql, params).fetchone()[0]
            body = answer.get("body") if isinstance(answer, dict) else None
            wanted = body.get("required_isolation") if isinstance(body, dict) else None
            if answer.get("status") == 428 and wanted in ISOLATION_LEVELS and isolation is None:
                isolation = wanted  # the route's floor: one more try, at that level
                continue
            return answer
        except (errors.SerializationFailure, errors.DeadlockDetected):
            if attempt >= RETRY_ATTEMPTS:
                return problem(409, "Conflict", "the transaction kept conflicting; retry later",
                               headers={"retry-after": "1"})
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        except psycopg.OperationalError:
            broken = True
            return problem(503, "Service Unavailable", "the database is not reachable")
        finally:
            pool.release(conn, broken)


def problem(status, title, detail, headers=None):
    hdrs = {"content-type": "application/problem+json"}
    hdrs.update(headers or {})
    return {"status": status, "headers": hdrs,
            "body": {"type": "about:blank", "title": title, "status": status, "detail": detail}}


class Handler(BaseHTTPRequestHandler):
    server_version = "pgmi-gateway/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # one line per request on stderr, never headers
        if not self.server.quiet:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _body(self):
        """The request body as text, or a problem answer when it cannot be taken."""
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():
            return None, problem(400, "Bad Request", "Content-Length must be a number")
        if int(length) > MAX_BODY_BYTES:
            return None, problem(413, "Content Too Large", "the body may be at most 1 MiB")
        try:
            return self.rfile.read(int(length)).decode("utf-8"), None
        except UnicodeDecodeError:
            return None, problem(400, "Bad Request", "the body must be UTF-8")

    def _send(self, answer):
        status = answer.get("status", 500)
        body = answer.get("body")
        headers = answer.get("headers") or {}
        payload = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Length", str(len(payload)))
        elif status not in (204, 304):
            self.send_header("Content-Length", "0")
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _dispatch(self):
        url = urlsplit(self.path)
        auth = self.headers.get("Authorization")
        text, refused = self._body()
        if refused:
            self.close_connection = True
            return self._send(refused)
        pool = self.server.pool
        if url.path == "/rpc":
            if self.command != "POST":
                return self._send(problem(405, "Method Not Allowed", "POST JSON-RPC requests to /rpc",
                                          headers={"allow": "POST"}))
            return self._send(call_sql(pool, "SELECT api.rpc_invoke(%s, %s)", (text, auth)))
        if url.path == "/mcp":
            if self.command != "POST":
                # Streamable HTTP without server-initiated messages: no GET stream, no sessions.
                return self._send(problem(405, "Method Not Allowed", "this MCP server answers POST only",
                                          headers={"allow": "POST"}))
            return self._send(call_sql(pool, "SELECT api.mcp_handle_request(%s, %s)", (text, auth)))
        return self._send(call_sql(pool, "SELECT api.rest_invoke(%s, %s, %s, %s, %s)",
                                   (self.command, url.path, url.query, text, auth)))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


def main():
    parser = argparse.ArgumentParser(description="HTTP gateway: REST, POST /rpc and POST /mcp to SQL")
    parser.add_argument("--dsn", default=os.environ.get("GATEWAY_DSN", ""),
                        help="libpq connection string (default: $GATEWAY_DSN, then PG* variables)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument("--pool-size", type=int, default=8, help="database connections at most")
    parser.add_argument("--quiet", action="store_true", help="no request log on stderr")
    args = parser.parse_args()

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.pool = Pool(args.dsn, args.pool_size)
    server.quiet = args.quiet
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    host, port = server.server_address[:2]
    print("listening on http://%s:%d" % (host, port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
