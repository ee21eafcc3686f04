#!/usr/bin/env python3
"""A TCP proxy that behaves like a slow network link, for cold-start benchmarks on machines
whose kernel has no `tc netem`: every byte waits for the line (one bandwidth per direction,
shared by all connections, as on a real link), then travels a one-way delay.

  tools/slowlink.py LISTEN_PORT TARGET_HOST:TARGET_PORT [--delay-ms 10] [--rate-mbit 100]
                    [--bind 127.0.0.1]

Forwards each connection on --bind:LISTEN_PORT to the target. Ends on SIGINT or SIGTERM and
then prints "carried N bytes up, M bytes down" (up: towards the target). With --trace FILE it
also writes a line per delivery: epoch seconds, direction, connection number, bytes (to see
when the line sat idle: bench/linetrace.py).
"""
import argparse
import asyncio
import itertools
import signal
import time

READ_SIZE = 16 * 1024


class Line:
    """One direction of the link: data leaves in order once the line is free, then arrives
    `delay` seconds later. Counts what it carried."""

    def __init__(self, bits_per_second, delay):
        self.bits_per_second = bits_per_second
        self.delay = delay
        self.free_at = 0.0
        self.carried = 0

    def arrival(self, size):
        """When `size` bytes handed over now reach the other end (and book the line)."""
        start = max(time.monotonic(), self.free_at)
        self.free_at = start + (size * 8 / self.bits_per_second if self.bits_per_second else 0)
        self.carried += size
        return self.free_at + self.delay


# What a connection may have handed to the line but not yet delivered, beyond the bytes the line
# itself holds (bandwidth x delay): a sender's socket buffer. A TCP sender cannot run further
# ahead of a slow line than that, and when the receiver goes away it stops within it.
SEND_BUFFER = 256 * 1024
# A new connection starts with 10 segments in flight and doubles them each round trip (TCP slow
# start, RFC 6928), so a connection closed right after its first bytes cost the sender little.
INITIAL_WINDOW = 10 * 1460


async def carry(reader, writer, line, trace=None):
    """Copies reader to writer through `line`; a second task delivers on schedule so reading
    goes on while earlier data is still on its way, but never more than a window ahead of
    delivery (TCP's flow control): INITIAL_WINDOW doubling each round trip up to the line's
    bandwidth-delay product plus SEND_BUFFER. If the receiving end goes away, reading stops (the
    caller then closes both ends): the sender has sent at most a window more, as over TCP."""
    most = SEND_BUFFER + int(line.bits_per_second / 8 * line.delay)
    rtt = 2 * line.delay
    started = None

    def window():
        if rtt <= 0 or started is None:
            return most if rtt <= 0 else INITIAL_WINDOW
        return min(most, INITIAL_WINDOW * 2 ** min(30, (time.monotonic() - started) / rtt))

    in_flight = asyncio.Queue()
    room = asyncio.Condition()
    state = {"queued": 0, "broken": False}

    async def deliver():
        try:
            while True:
                due, data = await in_flight.get()
                if data is None:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if trace:
                    trace(len(data))
                writer.write(data)
                await writer.drain()
                async with room:
                    state["queued"] -= len(data)
                    room.notify_all()
            if writer.can_write_eof():
                writer.write_eof()
        except OSError:
            async with room:
                state["broken"] = True
                room.notify_all()

    delivery = asyncio.create_task(deliver())
    try:
        while data := await reader.read(READ_SIZE):
            if started is None:
                started = time.monotonic()
            async with room:
                while not state["broken"] and state["queued"] >= window():
                    try:
                        await asyncio.wait_for(room.wait(), timeout=max(0.005, rtt / 4))
                    except asyncio.TimeoutError:
                        pass  # the window grew meanwhile (slow start)
                if state["broken"]:
                    break
                state["queued"] += len(data)
            in_flight.put_nowait((line.arrival(len(data)), data))
    except OSError:
        pass
    in_flight.put_nowait((0.0, None))
    try:
        await delivery
    except OSError:
        pass


async def serve(args):
    host, port = args.target.rsplit(":", 1)
    bits = args.rate_mbit * 1e6
    up, down = Line(bits, args.delay_ms / 1000), Line(bits, args.delay_ms / 1000)
    trace_file = open(args.trace, "w", buffering=1) if args.trace else None
    numbers = itertools.count(1)

    def tracer(direction, number):
        if trace_file is None:
            return None
        return lambda size: trace_file.write(f"{time.time():.6f} {direction} {number} {size}\n")

    async def connection(client_reader, client_writer):
        number = next(numbers)
        try:
            target_reader, target_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(carry(client_reader, target_writer, up, tracer("up", number)),
                             carry(target_reader, client_writer, down, tracer("down", number)))
        for w in (client_writer, target_writer):
            w.close()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(s, stop.set)
    server = await asyncio.start_server(connection, args.bind, args.port)
    async with server:
        await stop.wait()
    print(f"carried {up.carried} bytes up, {down.carried} bytes down", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("target", help="HOST:PORT")
    ap.add_argument("--delay-ms", type=float, default=10, help="one-way delay")
    ap.add_argument("--rate-mbit", type=float, default=100, help="bandwidth per direction")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--trace", help="write a line per delivery to this file")
    asyncio.run(serve(ap.parse_args()))


if __name__ == "__main__":
    main()
