"""
The ceiling of the stack: a bare ASGI app that answers with bytes captured from `purdah serve`.

`python -m bench.bare ANSWERS.json` serves, with the very uvicorn options `purdah serve` uses
(`app.cli.serve.uvicorn_options`, from the same `PURDAH_*` settings), an app that does nothing
but send back a captured answer: a request with `If-None-Match` gets the captured 304, a POST
(its body read to the end) the captured answer to a POST (to `/v1/decisions`, the captured
batch's, where one was captured), anything else the captured 200.
The HTTP benchmark times it beside the real server in the same run, so that can-publish is
reported as a share of what uvicorn, the event loop and the HTTP parser can do on this machine.
"""

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["bare_app", "main"]

_Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def _answer(captured: dict[str, Any]) -> _Answer:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in captured["headers"]]
    return captured["status"], headers, captured["body"].encode("latin-1")


def bare_app(answers: dict[str, dict[str, Any]]) -> Any:
    """
    An ASGI app that sends `answers["get"]`, `answers["not_modified"]`, `answers["post"]` or
    `answers["batch"]` (each `{"status", "headers": [[name, value], ...], "body"}`, the body as
    latin-1 text; "batch" optional).
    """
    get, not_modified, post = (_answer(answers[name]) for name in ("get", "not_modified", "post"))
    batch = _answer(answers["batch"]) if "batch" in answers else post

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["method"] == "POST":
            more = True
            while more:
                message = await receive()
                more = message.get("more_body", False)
            status, headers, body = batch if scope["path"] == "/v1/decisions" else post
        elif any(name == b"if-none-match" for name, _ in scope["headers"]):
            status, headers, body = not_modified
        else:
            status, headers, body = get
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    import uvicorn

    from app.cli.serve import uvicorn_options
    from app.config import Settings

    answers = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    uvicorn.run(bare_app(answers), **uvicorn_options(Settings()))


if __name__ == "__main__":
    main()
