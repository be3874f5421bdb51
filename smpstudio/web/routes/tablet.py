"""The tablet web app: its pages at ``/`` and the consultation API under ``/api`` (one router for app.py)."""

from fastapi import APIRouter

from smpstudio.web.routes import consult, pages

router = APIRouter()
router.include_router(consult.router, prefix="/api")
router.include_router(pages.router)
