"""The records web service (FastAPI): thin routes over :mod:`smpstudio.records` services.

Sign in with ``POST /api/auth/login`` (session cookie, HttpOnly, SameSite=Lax, Secure outside dev) and
send the returned ``csrf_token`` as ``X-CSRF-Token`` on every state-changing request.
"""
