"""The local cluster's port check (etl/cluster.py): a port a server listens on is taken; the port of a
server just stopped, with its connections in TIME_WAIT, is not (a restart must keep its port: moving
it cut every running service off the database in `test_database_stop_answers_503_and_recovers`)."""

from __future__ import annotations

import socket

from etl.cluster import _port_free


def test_listening_port_is_taken_and_time_wait_is_not():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    assert not _port_free(port)
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()  # the server side closes first: its end of the connection stays in TIME_WAIT
    client.close()
    server.close()
    assert _port_free(port)
