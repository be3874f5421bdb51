"""Issue 13 item 10: a client-set X-Forwarded-For is not believed unless SMP_TRUSTED_PROXIES names the proxy."""

from __future__ import annotations

import pytest


def _serve_config(monkeypatch, tmp_path, trusted: str | None) -> dict:
    """What ``smp serve --demo`` hands uvicorn.run (its keyword arguments and ``app``), with
    SMP_TRUSTED_PROXIES set to ``trusted`` (None: unset); passwords hashed in a thread (no process spawn)."""
    import uvicorn

    from smpstudio.commands import serve as serve_cmd

    monkeypatch.setenv("SMP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SMP_ENV", "dev")
    monkeypatch.setenv("SMP_HASH_PROCESSES", "false")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if trusted:
        monkeypatch.setenv("SMP_TRUSTED_PROXIES", trusted)
    else:
        monkeypatch.delenv("SMP_TRUSTED_PROXIES", raising=False)
    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    monkeypatch.setattr(serve_cmd, "freeze_heap", lambda: None)
    serve_cmd.serve(demo=True)
    return seen


@pytest.mark.parametrize("trusted", [None, "127.0.0.1"])
def test_serve_believes_forwarded_for_only_from_named_proxies(monkeypatch, tmp_path, trusted):
    seen = _serve_config(monkeypatch, tmp_path, trusted)
    assert seen["proxy_headers"] is bool(trusted)
    assert seen["forwarded_allow_ips"] == trusted


@pytest.mark.parametrize("trusted", [None, "127.0.0.1"])
def test_a_client_set_forwarded_for_does_not_reset_the_sign_in_throttle(monkeypatch, tmp_path, trusted):
    """Over real HTTP (uvicorn as ``smp serve`` configures it, on loopback like a local proxy): wrong
    sign-ins each claiming a new ``X-Forwarded-For`` address. Untrusted, the header is ignored and the
    peer's address is throttled after ``max_attempts`` failures (429); only when the peer is a named
    proxy is each claimed address its own (401 every time)."""
    import threading

    import httpx
    import uvicorn

    from tests.web.browser_helpers import free_port

    seen = _serve_config(monkeypatch, tmp_path, trusted)
    app = seen.pop("app")
    seen.update(port=free_port(), log_level="warning")
    server = uvicorn.Server(uvicorn.Config(app, **seen))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        limit = app.state.smp.throttle.max_attempts
        codes = []
        with httpx.Client(base_url=f"http://127.0.0.1:{seen['port']}", timeout=60) as c:
            for _ in range(200):  # until the server answers
                try:
                    c.get("/healthz")
                    break
                except httpx.TransportError:
                    threading.Event().wait(0.05)
            for i in range(limit + 2):
                r = c.post(
                    "/api/auth/login",
                    json={"email": f"nobody{i}@x.test", "password": "wrong password"},  # a new e-mail each time
                    headers={"X-Forwarded-For": f"10.9.{i // 250}.{i % 250 + 1}"},
                )
                codes.append(r.status_code)
    finally:
        server.should_exit = True
        thread.join(30)
        app.state.engine.dispose()
    if trusted:
        assert codes == [401] * (limit + 2)
    else:
        assert codes[:limit] == [401] * limit and codes[limit:] == [429, 429], codes
