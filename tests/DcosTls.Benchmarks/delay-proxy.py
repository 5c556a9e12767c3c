#!/usr/bin/env python3
"""An ssh ProxyCommand that puts a distant network between ssh and a loopback agent.

Usage (ssh option): ProxyCommand=python3 delay-proxy.py %h %p <one-way delay in ms>
DELAY_PROXY_SLOW=<address>=<ms> gives that one address its own, longer delay.
DELAY_PROXY_STATS=<file> appends one line per connection when it ends: the address, the bytes sent
up and down, and the turns (an upstream chunk after a downstream one: the exchanges that each
cost a round trip at this distance).

Every chunk in either direction is delivered the given number of milliseconds after it was read,
in order, as a link with that one-way latency would deliver it; connecting costs one round trip.
The simulated agents of the fleet benchmark all share this machine's cores, so their work can only
overlap where it waits; this proxy gives each agent waiting of a known size to overlap.
"""
import os
import queue
import signal
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


stats = {"up": 0, "down": 0, "turns": 0, "last": "down"}
stats_lock = threading.Lock()


def count(direction, data):
    with stats_lock:
        stats[direction] += len(data)
        if data and direction == "up" and stats["last"] == "down":
            stats["turns"] += 1
        if data:
            stats["last"] = direction


def pump(read, write, close, direction):
    due = queue.Queue()

    def reader():
        while True:
            data = read()
            count(direction, data)
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


upstream = pump(read_stdin, sock.sendall, close_socket_write, "up")
downstream = pump(lambda: sock.recv(65536), write_stdout, close_stdout, "down")


def write_stats(*_):
    # Once, when the connection ends or when ssh ends this proxy (SIGHUP as it exits).
    with stats_lock:
        if os.environ.get("DELAY_PROXY_STATS") and not stats.get("written"):
            stats["written"] = True
            with open(os.environ["DELAY_PROXY_STATS"], "a") as out:
                out.write(f"{host} {stats['up']} {stats['down']} {stats['turns']}\n")
    if _:
        os._exit(0)


signal.signal(signal.SIGHUP, write_stats)
signal.signal(signal.SIGTERM, write_stats)
downstream.join()
write_stats()
