"""A load generator in its own process: N residents, each loading the petition page (whose
form carries its token: our stateless `form_token`, the floor app's `csrf_token`) and posting
a signature with a new email, over and over; and one watcher polling the count endpoint.
Plain asyncio sockets, one connection per request (as many separate phones would), so the
generator itself stays cheap.

    python -m bench.load HOST PORT SLUG RESIDENTS SECONDS RUN_ID  -> one JSON line of results
"""

import asyncio
import json
import re
import sys
import time
from urllib.parse import urlencode

TOKEN = re.compile(rb'name="(form_token|csrf_token)"[^>]*value="([^"]+)"')


async def request(host: str, port: int, raw: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers: dict[bytes, bytes] = {}
        cookies = []
        for line in lines[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                name = name.strip().lower()
                if name == b"set-cookie":
                    cookies.append(value.strip().split(b";", 1)[0])
                headers[name] = value.strip()
        headers[b"cookies"] = b"; ".join(cookies)
        length = int(headers.get(b"content-length", b"0"))
        body = await reader.readexactly(length) if length else b""
        return status, headers, body
    finally:
        writer.close()


def get_request(path: str, host_header: bytes, cookies: bytes = b"") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: ".encode()
        + host_header
        + (b"\r\nCookie: " + cookies if cookies else b"")
        + b"\r\nConnection: close\r\n\r\n"
    )


def post_request(path: str, host_header: bytes, form: bytes, cookies: bytes = b"") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: ".encode()
        + host_header
        + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        + str(len(form)).encode()
        + (b"\r\nCookie: " + cookies if cookies else b"")
        + b"\r\nConnection: close\r\n\r\n"
        + form
    )


def signature_form(token_match: re.Match, *, first_name: str, last_name: str, email: str) -> bytes:
    """A sign form's body: a new signer, with the token `TOKEN` found in the page."""
    return urlencode(
        {
            token_match.group(1).decode(): token_match.group(2).decode(),
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "zip_code": "19107",
            "name_display": "full",
            "reason": "",
        }
    ).encode()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def resident(host, port, slug, number, stop_at, run_id, results):
    sequence = 0
    host_header = f"{host}:{port}".encode()
    while time.perf_counter() < stop_at:
        sequence += 1
        started = time.perf_counter()
        try:
            status, headers, body = await request(
                host, port, get_request(f"/petitions/{slug}", host_header)
            )
            match = TOKEN.search(body)
            if status != 200 or not match:
                results["errors"] += 1
                results["error_kinds"][f"GET {status}"] = (
                    results["error_kinds"].get(f"GET {status}", 0) + 1
                )
                continue
            form = signature_form(
                match,
                first_name="Load",
                last_name=f"Tester {number}",
                email=f"load-{run_id}-{number}-{sequence}@example.org",
            )
            status, _headers, _body = await request(
                host,
                port,
                post_request(f"/petitions/{slug}/sign", host_header, form, headers[b"cookies"]),
            )
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            results["errors"] += 1
            kind = type(error).__name__
            results["error_kinds"][kind] = results["error_kinds"].get(kind, 0) + 1
            continue
        if status == 303:
            results["signed"] += 1
            results["latencies"].append(time.perf_counter() - started)
        else:
            results["errors"] += 1
            results["error_kinds"][f"POST {status}"] = (
                results["error_kinds"].get(f"POST {status}", 0) + 1
            )


async def watcher(host, port, slug, stop_at, results, interval=0.05):
    host_header = f"{host}:{port}".encode()
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        try:
            status, _h, _b = await request(
                host, port, get_request(f"/petitions/{slug}/count.json", host_header)
            )
            if status == 200:
                results["count_latencies"].append(time.perf_counter() - started)
            else:
                results["count_errors"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            results["count_errors"] += 1
        await asyncio.sleep(interval)


async def main(host, port, slug, residents, seconds, run_id):
    results = {
        "signed": 0,
        "errors": 0,
        "error_kinds": {},
        "latencies": [],
        "count_latencies": [],
        "count_errors": 0,
    }
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        watcher(host, port, slug, stop_at, results),
        *(resident(host, port, slug, n, stop_at, run_id, results) for n in range(residents)),
    )
    elapsed = time.perf_counter() - started
    latencies, counts = results["latencies"], results["count_latencies"]
    return {
        "signed": results["signed"],
        "errors": results["errors"],
        "error_kinds": results["error_kinds"],
        "seconds": elapsed,
        "per_second": results["signed"] / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "count_requests": len(counts),
        "count_errors": results["count_errors"],
        "count_p50_ms": percentile(counts, 0.50) * 1000,
        "count_p99_ms": percentile(counts, 0.99) * 1000,
    }


if __name__ == "__main__":
    host, port, slug, residents, seconds, run_id = sys.argv[1:7]
    print(
        json.dumps(asyncio.run(main(host, int(port), slug, int(residents), float(seconds), run_id)))
    )
