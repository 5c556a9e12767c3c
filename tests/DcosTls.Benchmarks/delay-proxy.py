#!/usr/bin/env python3
"""An ssh ProxyCommand that puts a distant network between ssh and a loopback agent.

Usage (ssh option): ProxyCommand=python3 delay-proxy.py %h %p <one-way delay in ms>
DELAY_PROXY_SLOW=<address>=<ms> gives that one address its own, longer delay.

Every chunk in either direction is delivered the given number of milliseconds after it was read,
in order, as a link with that one-way latency would deliver it; connecting costs one round trip.
The simulated agents of the fleet benchmark all share this machine's cores, so their work can only
overlap where it waits; this proxy gives each agent waiting of a known size to overlap.
"""
import os
import queue
import socket
import sys
import threading
import time

host, port, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000.0
slow_host, _, slow_ms = os.environ.get("DELAY_PROXY_SLOW", "").partition("=")
if slow_host == host and slow_ms:
    delay = int(slow_ms) / 1000.0

time.sleep(2 * delay)
sock = socket.create_connection((host, port))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def read_stdin():
    return os.read(0, 65536)


def write_stdout(data):
    view = memoryview(data)
    while view:
        written = os.write(1, view)
        view = view[written:]


def pump(read, write, close):
    due = queue.Queue()

    def reader():
        while True:
            data = read()
            due.put((time.monotonic() + delay, data))
            if not data:
                return

    def writer():
        while True:
            at, data = due.get()
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                close()
                return
            write(data)

    threading.Thread(target=reader, daemon=True).start()
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    return t


def close_socket_write():
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def close_stdout():
    os.close(1)


upstream = pump(read_stdin, sock.sendall, close_socket_write)
downstream = pump(lambda: sock.recv(65536), write_stdout, close_stdout)
downstream.join()
