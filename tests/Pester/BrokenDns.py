#!/usr/bin/env python3
"""A broken authoritative DNS server for the tests: TCP on 127.0.0.1, no checks of what it is sent.

usage: BrokenDns.py PORT MODE
Modes:
  past-the-end    every answer holds a record whose data runs past the end of the message
  truncated-tsig  SOA queries get a usable answer (the zone is the name asked); an UPDATE gets NOTAUTH
                  with a TSIG record that holds only its algorithm name
"""
import socket
import struct
import sys
import threading

PORT, MODE = int(sys.argv[1]), sys.argv[2]


def question_end(message):
    """Offset just after the first question (name, type, class)."""
    p = 12
    while message[p] != 0:
        p += 1 + message[p]
    return p + 1 + 4


def answer(message):
    ident = message[:2]
    opcode = (message[2] >> 3) & 0xF
    end = question_end(message)
    question = message[12:end]
    if MODE == "past-the-end":
        # One TXT record that claims 200 bytes of data and carries 11.
        record = b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, 200) + b"\x0afirst part"
        return ident + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0) + question + record
    if opcode == 5:  # UPDATE
        zone = question
        tsig = b"\x0dacme-test-key\x00" + struct.pack(">HHIH", 250, 255, 0, 13) + b"\x0bhmac-sha256\x00"
        return ident + b"\xa8\x09" + struct.pack(">HHHH", 1, 0, 0, 1) + zone + tsig
    soa = struct.pack(">IIIII", 1, 60, 60, 600, 60)
    rdata = b"\x00\x00" + soa
    record = b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 60, len(rdata)) + rdata
    return ident + b"\x84\x00" + struct.pack(">HHHH", 1, 1, 0, 0) + question + record


def serve(connection):
    with connection:
        try:
            while True:
                head = connection.recv(2, socket.MSG_WAITALL)
                if len(head) < 2:
                    return
                (length,) = struct.unpack(">H", head)
                message = connection.recv(length, socket.MSG_WAITALL)
                reply = answer(message)
                connection.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(8)
print("ready", flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
