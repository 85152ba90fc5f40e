"""A TCP proxy that delays every byte by a fixed time each way: a server "on another host".

Run: python benchmarks/delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS

bench_store.py starts it in front of a local redis-server so that a round
trip costs what it costs between hosts (two delays), and a request that waits
on the store once can be told from one that waits twice. Each direction
keeps its order: a chunk is passed on ``DELAY_MS`` after it arrived, however
many are on their way, so pipelined commands are not serialised by it.
"""

from __future__ import annotations

import asyncio
import sys


async def _carry(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def take() -> None:
        while True:
            data = await reader.read(65536)
            chunks.put_nowait((loop.time() + delay, data))
            if not data:
                return

    async def give() -> None:
        while True:
            due, data = await chunks.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(take(), give())


async def _serve(listen: int, target: int, delay: float) -> None:
    async def connected(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", target)
        try:
            await asyncio.gather(
                _carry(client_r, server_w, delay), _carry(server_r, client_w, delay)
            )
        except OSError:
            pass  # a side went away: the other is closed with it
        finally:
            client_w.close()
            server_w.close()

    server = await asyncio.start_server(connected, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


def main() -> None:
    listen, target, delay_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    asyncio.run(_serve(listen, target, delay_ms / 1000))


if __name__ == "__main__":
    main()
