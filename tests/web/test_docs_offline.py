"""/docs works with no network: Swagger UI's files come from the swagger-ui-bundle package."""

from __future__ import annotations

import re
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_docs_page_loads_only_local_assets(app):
    c = TestClient(app)
    page = c.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no absolute URL at all
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    urls += re.findall(r"""url:\\s*['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    for url in urls:
        assert url.startswith("/"), f"/docs loads {url} from outside the service"
        r = c.get(url)
        assert r.status_code == 200, url
        assert len(r.content) > 100, url
    js = c.get("/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and b"SwaggerUIBundle" in js.content
    assert c.get("/redoc").status_code == 404  # ReDoc would need a CDN: not offered
    paths = c.get("/openapi.json").json()["paths"]
    assert not any(p.startswith("/docs") for p in paths)  # the docs routes stay out of the API schema
