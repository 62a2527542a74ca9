#!/usr/bin/env python3
"""Raw HTTP/1.1 exchanges with a fresh `serve`, printed byte for byte (the Date header masked), so that two builds'
answers can be compared with diff: every status, header (and its order) and body of the append routes' answers, the
errors included, and how connections are kept or closed (session 16 compared 24 such exchanges by hand; session 21,
h63, made them this script).

  bench/http-exchanges.py PORT [TOKEN OTHER_TOKEN] > answers.txt

Without tokens: the exchanges of a server without --auth. With a writer TOKEN scoped to aggregates starting with 'r'
and OTHER_TOKEN of a reader: the same against `serve --auth` (201s in scope, 403 out of scope, 401 without a token, 409s,
400s). Run it against a fresh data directory: positions and versions depend on what the store already holds.
"""
import re
import socket
import sys
import time

PORT = int(sys.argv[1])
TOKEN = sys.argv[2] if len(sys.argv) > 2 else None
READER = sys.argv[3] if len(sys.argv) > 3 else None
EVENT = b'{"event_type":"E","event_data":{"n":1}}'


def connect():
    s = socket.create_connection(("127.0.0.1", PORT))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(5)
    return s


def receive(s, wait=1.0):
    """Everything the server sends within `wait` seconds of quiet (or until it closes)."""
    data = b""
    s.settimeout(wait)
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, "open"
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "closed"
        data += chunk


def auth(token=TOKEN):
    return b"" if token is None else b"Authorization: Bearer " + token.encode() + b"\r\n"


def post(path, body=EVENT, headers=b"", token=TOKEN, version=b"HTTP/1.1"):
    return (b"POST " + path.encode() + b" " + version + b"\r\nHost: x\r\n" + auth(token) + headers
            + b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def show(name, parts, pause=0.0, wait=1.0, half_close=False):
    """Sends the parts (pausing between them) on a new connection and prints what comes back; half_close: then ends
    the sending side (the server reads the end of the stream)."""
    s = connect()
    for i, p in enumerate(parts):
        if i and pause:
            time.sleep(pause)
        s.sendall(p)
    if half_close:
        s.shutdown(socket.SHUT_WR)
    data, state = receive(s, wait)
    s.close()
    text = data.decode("utf-8", "replace")
    text = re.sub(r"Date: [^\r\n]*", "Date: (masked)", text)
    if name.startswith("GET"):  # generated event ids and timestamps differ run to run
        text = re.sub(r'"(event_id|recorded_at|timestamp)":"[^"]*"', r'"\1":"(masked)"', text)
    print("=== " + name + " (connection " + state + ")")
    print(text.replace("\r\n", "\\r\\n\n"))


def common(prefix):
    a = "/api/aggregates/" + prefix
    show("201 single", [post(a + "1/events")])
    show("409 no_stream on an existing aggregate", [post(a + "1/events", headers=b"Expected-Version: no_stream\r\n")])
    show("409 exact version", [post(a + "1/events", headers=b"Expected-Version: 7\r\n")])
    show("201 exact version", [post(a + "1/events", headers=b"Expected-Version: 1\r\n")])
    show("400 bad Expected-Version", [post(a + "1/events", headers=b"Expected-Version: seven\r\n")])
    show("400 number out of range", [post(a + "1/events", headers=b"Expected-Version: 99999999999999999999\r\n")])
    show("400 bad JSON", [post(a + "1/events", body=b"{nope")])
    show("400 empty body", [post(a + "1/events", body=b"")])
    show("400 empty array", [post(a + "1/events", body=b"[]")])
    show("400 invalid event", [post(a + "1/events", body=b'{"event_data":{}}')])
    show("403 system aggregate", [post("/api/aggregates/$audit/events")])
    show("400 malformed query string", [post(a + "1/events?x=%zz")])
    show("201 valid query string", [post(a + "1/events?x=1")])
    show("413 declared 1 GB", [b"POST " + (a + "1/events").encode() + b" HTTP/1.1\r\nHost: x\r\n" + auth()
                               + b"Content-Length: 1000000000\r\n\r\n"])
    show("201 chunked", [b"POST " + (a + "2/events").encode() + b" HTTP/1.1\r\nHost: x\r\n" + auth()
                         + b"Transfer-Encoding: chunked\r\n\r\n" + hex(len(EVENT))[2:].encode() + b"\r\n" + EVENT
                         + b"\r\n0\r\n\r\n"])
    show("201 HTTP/1.0", [post(a + "2/events", version=b"HTTP/1.0")])
    show("two on one keep-alive connection", [post(a + "3/events"), post(a + "3/events")], pause=0.3)
    show("three pipelined (201, 400, 201)", [post(a + "4/events") + post(a + "4/events", body=b"{") + post(a + "4/events")])
    show("Connection: close", [post(a + "5/events", headers=b"Connection: close\r\n")])
    show("Expect: 100-continue", [post(a + "5/events", headers=b"Expect: 100-continue\r\n")[:-len(EVENT)], EVENT],
         pause=0.3)
    show("201 body after a pause (not all with the header)", [post(a + "6/events")[:-10], post(a + "6/events")[-10:]],
         pause=0.3)
    show("400 body cut short by the client", [post(a + "6/events")[:-10]], half_close=True)
    show("201 escaped id (Javalin route)", [post("/api/aggregates/" + prefix + "%37/events")])
    show("409 escaped id (Javalin route)", [post("/api/aggregates/" + prefix + "%37/events",
                                                 headers=b"Expected-Version: no_stream\r\n")])
    show("201 bulk", [post("/api/appends", body=b'{"appends":[{"aggregate_id":"' + prefix.encode()
                           + b'8","events":[' + EVENT + b']},{"aggregate_id":"' + prefix.encode()
                           + b'8","expected_version":"no_stream","events":[' + EVENT + b']}]}')])
    bulk_exchanges(prefix)
    show("GET an aggregate", [b"GET " + (a + "1/events").encode() + b" HTTP/1.1\r\nHost: x\r\n" + auth(READER or TOKEN)
                              + b"\r\n"])
    show("404 unknown path", [post("/api/nothing")])
    show("405 GET of the bulk route", [b"GET /api/appends HTTP/1.1\r\nHost: x\r\n" + auth() + b"\r\n"])


def bulk(entries, extra=b""):
    return post("/api/appends", body=b'{"appends":[' + b",".join(entries) + b"]" + extra + b"}")


def bulk_exchanges(prefix):
    """The bulk route's answers (session 23, h72: its usual bodies are read without the JSON parser, the rest with it)."""
    p = prefix.encode()
    ev = (b'{"event_type":"OrderCreated","event_data":{"user_id":"u1","items":[{"sku":"b-1","quantity":2,'
          b'"unit_price":19.99}],"total":39.98,"ok":true,"none":null,"s":"a\\"b\\n"},"metadata":{"c":"r1"}}')
    show("200 bulk, the usual spelling", [bulk([
        b'{"aggregate_id":"' + p + b'b1","expected_version":"no_stream","events":' + ev + b'}',
        b'{"aggregate_id":"' + p + b'b2","events":[' + ev + b',' + ev + b']}',
        b'{"aggregate_id":"' + p + b'b1","expected_version":1,"events":' + ev + b'}'])])
    show("200 bulk, spaces, ordered false, event id, schema version, timestamp", [post("/api/appends", body=(
        b' {\n "ordered" : false ,\t"appends" : [ { "events" : [ {"schema_version":3,"event_id":'
        b'"3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70","event_type":"T","event_data":{"a":[1,-2,0.5]},'
        b'"metadata":{"timestamp":"2026-12-08T00:00:00Z"}} ] , "aggregate_id" : "' + p + b'b3" } ] } '))])
    show("200 bulk, conflicts and bad entries beside good ones", [bulk([
        b'{"aggregate_id":"' + p + b'b1","expected_version":"no_stream","events":' + ev + b'}',
        b'{"aggregate_id":"' + p + b'b4","events":' + ev + b'}',
        b'{"aggregate_id":"' + p + b'b5"}',
        b'{"aggregate_id":"' + p + b'b6","expected_version":"sometime","events":' + ev + b'}',
        b'{"aggregate_id":"' + p + b'b7","events":' + ev + b',"extra":1}',
        b'{"aggregate_id":"' + p + b'b8","events":{"event_type":"T","event_data":{"a":1e3}}}',
        b'{"aggregate_id":"' + p + b'b9","events":{"event_type":"bad type","event_data":{}}}',
        b'{"aggregate_id":"' + p + b'b\u00e9","events":{"event_type":"T","event_data":{"x":"\u00e9"}}}',
        b'{"aggregate_id":"' + p + b'b\xc3\xa9","events":' + ev + b'}',
        b'{"aggregate_id":"x' + p + b'b10","events":' + ev + b'}'])])
    show("200 bulk ordered, stops at the first failure", [bulk([
        b'{"aggregate_id":"' + p + b'b11","events":' + ev + b'}',
        b'{"aggregate_id":"' + p + b'b11","expected_version":5,"events":' + ev + b'}',
        b'{"aggregate_id":"' + p + b'b12","events":' + ev + b'}'], extra=b',"ordered":true')])
    show("400 bulk, a duplicate key in a payload", [bulk([
        b'{"aggregate_id":"' + p + b'b13","events":{"event_type":"T","event_data":{"a":1,"a":2}}}'])])
    show("400 bulk, malformed", [post("/api/appends", body=b'{"appends":[{"aggregate_id":"' + p + b'b14"')])
    show("400 bulk, no entries", [bulk([])])
    show("400 bulk, not an envelope", [post("/api/appends", body=b'[' + ev + b']')])


if TOKEN is None:
    common("a")
else:
    common("r")
    show("401 no token", [post("/api/aggregates/r9/events", token=None)])
    show("403 out of scope", [post("/api/aggregates/x1/events")])
    show("403 reader token", [post("/api/aggregates/r9/events", token=READER)])
    show("401 GET without token", [b"GET /api/aggregates/r1/events HTTP/1.1\r\nHost: x\r\n\r\n"])
