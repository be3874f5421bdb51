"""Issue 13 item 10: a client-set X-Forwarded-For is not believed unless SMP_TRUSTED_PROXIES names the proxy."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("trusted", [None, "127.0.0.1"])
def test_serve_believes_forwarded_for_only_from_named_proxies(monkeypatch, tmp_path, trusted):
    import uvicorn

    from smpstudio.commands import serve as serve_cmd

    monkeypatch.setenv("SMP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SMP_ENV", "dev")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if trusted:
        monkeypatch.setenv("SMP_TRUSTED_PROXIES", trusted)
    else:
        monkeypatch.delenv("SMP_TRUSTED_PROXIES", raising=False)
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setattr(serve_cmd, "freeze_heap", lambda: None)
    serve_cmd.serve(demo=True)
    assert seen["proxy_headers"] is bool(trusted)
    assert seen["forwarded_allow_ips"] == trusted
