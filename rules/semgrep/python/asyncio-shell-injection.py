import asyncio


async def convert(name, loop, protocol):
    # ruleid: python-asyncio-shell-injection
    proc = await asyncio.create_subprocess_shell("convert " + name + " out.png")
    # ruleid: python-asyncio-shell-injection
    await loop.subprocess_shell(protocol, f"gzip {name}")
    # ok: python-asyncio-shell-injection
    await asyncio.create_subprocess_exec("convert", name, "out.png")
    # ok: python-asyncio-shell-injection
    await asyncio.create_subprocess_shell("date")
    return proc
